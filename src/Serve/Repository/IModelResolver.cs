namespace Detserve.Serve.Repository;

/// <summary>Finds a ready model version by name; version "" or "-1" means the highest ready version.</summary>
public interface IModelResolver
{
    LoadedModel Resolve(string name, string version);
}
