using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Signaling.Contracts;
using Signaling.Contracts.Relay;
using Signaling.Hub.Infrastructure.Redis;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests.Scaling;

/// <summary>The ways operators hand the service its Redis, and what happens when the value cannot be used.</summary>
public sealed class RedisConfigurationTests
{
    [Fact]
    public async Task Instances_given_a_redis_url_with_a_password_relay_across_instances()
    {
        await using var redis = await RedisServer.StartAsync(password: "s3cret/with:odd@chars");
        await using var cluster = await RedisTestCluster.StartAsync(2, redis, redis.Url);
        var (a, b) = (cluster.Instances[0], cluster.Instances[1]);
        await using var alice = await a.JoinAsync("alice", "url-call");
        await using var bob = await b.JoinAsync("bob", "url-call");

        Assert.Contains(bob.LastJoin!.Peers, p => p.PeerId == "alice" && p.IsActive);
        await alice.Client.Offer(new SdpMessage("url-call", "bob", "v=0 offer"));
        Assert.Equal(new RelayedSdp("url-call", "alice", "v=0 offer"), await bob.Next<RelayedSdp>(nameof(ISignalingClient.Offer)));
        await bob.Client.Answer(new SdpMessage("url-call", "alice", "v=0 answer"));
        Assert.Equal(new RelayedSdp("url-call", "bob", "v=0 answer"), await alice.Next<RelayedSdp>(nameof(ISignalingClient.Answer)));
    }

    [Fact]
    public async Task A_second_stop_after_the_host_was_disposed_completes()
    {
        // WebApplicationFactory stops its host twice at once (its own stop and its deferred host's),
        // and the one that ends first disposes the container, the Redis connection with it, while
        // the other is still deregistering the instance.
        var app = new SignalingApplication(new Dictionary<string, string?>
        {
            ["Signaling:Redis:ConnectionString"] = (await RedisServer.Shared).ConnectionString,
            ["Signaling:Redis:KeyPrefix"] = RedisServer.UniquePrefix(),
        });
        var heartbeat = app.Services.GetServices<IHostedService>().OfType<RedisHeartbeat>().Single();
        app.Dispose();

        await heartbeat.StopAsync(CancellationToken.None).WaitAsync(Timeouts.Default);
    }

    [Theory]
    [InlineData("redis://cache.internal:6380/2", "cache.internal", 6380, null, null, 2, false)]
    [InlineData("redis://cache.internal", "cache.internal", 6379, null, null, null, false)]
    [InlineData("redis://:p%40ss@10.0.0.5:6379", "10.0.0.5", 6379, null, "p@ss", null, false)]
    [InlineData("redis://app:p%3Ass@cache.internal:6379/0", "cache.internal", 6379, "app", "p:ss", 0, false)]
    [InlineData("redis://onlypassword@cache.internal:6379", "cache.internal", 6379, null, "onlypassword", null, false)]
    [InlineData("rediss://default:tls@cache.example.com:6380", "cache.example.com", 6380, "default", "tls", null, true)]
    [InlineData("cache.internal:6380,password=x,ssl=true", "cache.internal", 6380, null, "x", null, true)]
    public void Both_forms_are_read(string value, string host, int port, string? user, string? password, int? database, bool ssl)
    {
        var options = RedisConfiguration.Parse(value);
        var endpoint = Assert.Single(options.EndPoints) switch
        {
            System.Net.DnsEndPoint named => (named.Host, named.Port),
            System.Net.IPEndPoint address => (address.Address.ToString(), address.Port),
            var other => throw new InvalidOperationException($"unexpected endpoint {other}"),
        };
        Assert.Equal((host, port), endpoint);
        Assert.Equal((user, password, database, ssl), (options.User, options.Password, options.DefaultDatabase, options.Ssl));
    }

    [Theory]
    [InlineData("redis://")]
    [InlineData("redis://cache.internal:6379/not-a-number")]
    [InlineData("redis://cache.internal:99999")]
    [InlineData(",,,")]
    [InlineData("cache.internal:6379,nosuchoption=1")]
    public void A_value_that_cannot_be_used_stops_the_start_with_a_message_naming_the_key_and_a_valid_value(string value)
    {
        var ex = Assert.ThrowsAny<Exception>(() => new SignalingApplication(new Dictionary<string, string?> { ["Signaling:Redis:ConnectionString"] = value }));
        var messages = ProblemAssert.Messages(ex);
        Assert.Contains("Signaling:Redis:ConnectionString cannot be used", messages, StringComparison.Ordinal);
        Assert.Contains("redis://:password@redis.internal:6379/0", messages, StringComparison.Ordinal);
    }
}
