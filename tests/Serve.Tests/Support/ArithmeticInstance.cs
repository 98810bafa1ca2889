using Detserve.Serve.Backends;
using Detserve.Serve.Core;

namespace Detserve.Serve.Tests.Support;

/// <summary>One instance of <see cref="ArithmeticBackend"/>.</summary>
public sealed class ArithmeticInstance : IModelInstance
{
    private readonly int _delayMs;
    private readonly BatchLog _log;

    public ArithmeticInstance(int delayMs, BatchLog log)
    {
        _delayMs = delayMs;
        _log = log;
    }

    public IReadOnlyList<BackendResponse> Execute(IReadOnlyList<BackendRequest> batch, ExecutionTimer timer, CancellationToken cancellationToken)
    {
        _log.Executions.Enqueue((batch.Count, batch.Sum(r => r.Input("INPUT0").Shape[0])));
        timer.MarkInputDone();
        if (_delayMs > 0)
        {
            _log.Enter();
            try
            {
                cancellationToken.WaitHandle.WaitOne(_delayMs);
            }
            finally
            {
                _log.Exit();
            }

            cancellationToken.ThrowIfCancellationRequested();
        }

        var responses = new List<BackendResponse>();
        foreach (var request in batch)
        {
            var a = request.Input("INPUT0");
            var b = request.Input("INPUT1");
            var x = a.AsSpan<float>();
            var y = b.AsSpan<float>();
            if (x.Length > 0 && x[0] == -999f)
            {
                responses.Add(BackendResponse.Failure(ServeException.InvalidArgument("INPUT0[0] = -999 is refused by the test model")));
                continue;
            }

            var sum = new float[x.Length];
            var diff = new float[x.Length];
            for (var i = 0; i < x.Length; i++)
            {
                sum[i] = x[i] + y[i];
                diff[i] = x[i] - y[i];
            }

            var outputs = new List<InferTensor>();
            if (request.Wants("OUTPUT0"))
            {
                outputs.Add(InferTensor.FromFloats("OUTPUT0", a.Shape, sum));
            }

            if (request.Wants("OUTPUT1"))
            {
                outputs.Add(InferTensor.FromFloats("OUTPUT1", a.Shape, diff));
            }

            responses.Add(BackendResponse.Success(outputs));
        }

        timer.MarkInferDone();
        return responses;
    }

    public void Dispose()
    {
    }
}
