using Detserve.Serve.Core;
using Detserve.Serve.Protocol;

namespace Detserve.Serve.Repository;

/// <summary>Which version folders to serve (model_configuration.md "Version Policy"): latest N (default 1), all, or specific.</summary>
public static class VersionPolicy
{
    public static IReadOnlyList<long> Select(string modelName, IReadOnlyList<long> available, ModelVersionPolicy? policy)
    {
        var sorted = available.OrderBy(v => v).ToArray();
        switch (policy?.PolicyChoiceCase ?? ModelVersionPolicy.PolicyChoiceOneofCase.None)
        {
            case ModelVersionPolicy.PolicyChoiceOneofCase.All:
                return sorted;
            case ModelVersionPolicy.PolicyChoiceOneofCase.Specific:
                var missing = policy!.Specific.Versions.Where(v => !sorted.Contains(v)).ToArray();
                if (missing.Length > 0)
                {
                    throw ServeException.InvalidArgument($"model '{modelName}': version_policy names version(s) {string.Join(", ", missing)} that have no folder");
                }

                return policy.Specific.Versions.Distinct().OrderBy(v => v).ToArray();
            case ModelVersionPolicy.PolicyChoiceOneofCase.Latest:
                if (policy!.Latest.NumVersions < 1)
                {
                    throw ServeException.InvalidArgument($"model '{modelName}': version_policy latest.num_versions must be at least 1");
                }

                return sorted.TakeLast((int)Math.Min(policy.Latest.NumVersions, int.MaxValue)).ToArray();
            default:
                return sorted.TakeLast(1).ToArray();
        }
    }
}
