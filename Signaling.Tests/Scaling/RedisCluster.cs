using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Signaling.Contracts.Http;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests.Scaling;

/// <summary>Several real service processes sharing one real Redis as store and backplane.</summary>
public sealed class RedisTestCluster : IAsyncDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private RedisTestCluster(RedisServer redis, IReadOnlyList<SignalingProcess> instances)
    {
        Redis = redis;
        Instances = instances;
    }

    /// <summary>Heartbeat settings the tests use, so instance loss is noticed in seconds.</summary>
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromMilliseconds(500);

    public static readonly TimeSpan InstanceTimeout = TimeSpan.FromSeconds(3);

    public RedisServer Redis { get; }

    public IReadOnlyList<SignalingProcess> Instances { get; }

    /// <param name="instances">How many service processes to start.</param>
    /// <param name="redis">The Redis they share; by default the test run's shared server.</param>
    /// <param name="connectionString">What the instances are given to reach Redis; by default its StackExchange.Redis form.</param>
    public static async Task<RedisTestCluster> StartAsync(int instances, RedisServer? redis = null, string? connectionString = null)
    {
        redis ??= await RedisServer.Shared;
        var prefix = RedisServer.UniquePrefix();
        var settings = new Dictionary<string, string?>
        {
            ["Signaling:Storage:Provider"] = "Redis",
            ["Signaling:Redis:ConnectionString"] = connectionString ?? redis.ConnectionString,
            ["Signaling:Redis:KeyPrefix"] = prefix,
            ["Signaling:Redis:HeartbeatInterval"] = HeartbeatInterval.ToString(),
            ["Signaling:Redis:InstanceTimeout"] = InstanceTimeout.ToString(),
        };
        var started = await Task.WhenAll(Enumerable.Range(0, instances).Select(_ => SignalingProcess.StartAsync(settings)));
        return new RedisTestCluster(redis, started);
    }

    public static async Task<StatsSnapshot> StatsAsync(ISignalingHost host) =>
        (await host.CreateHttpClient().GetFromJsonAsync<StatsSnapshot>(new Uri("/api/stats", UriKind.Relative), Json))!;

    public async ValueTask DisposeAsync()
    {
        foreach (var instance in Instances)
        {
            await instance.DisposeAsync();
        }
    }
}
