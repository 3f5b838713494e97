using Signaling.Hub.Common;
using StackExchange.Redis;

namespace Signaling.Hub.Infrastructure.Redis;

/// <summary>A Redis that is down, unreachable or not answering in time is an outage, not a fault of the call.</summary>
internal sealed class RedisOutageClassifier : IOutageClassifier
{
    public string? Describe(Exception exception) => exception switch
    {
        RedisTimeoutException => "the shared Redis did not answer in time",
        RedisConnectionException => "the shared Redis is unreachable",
        _ => null,
    };
}
