using System.Net.Http.Json;
using Microsoft.AspNetCore.Http.Connections;
using Signaling.Contracts.Http;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests.Scaling;

/// <summary>
/// Two real instances behind a real HAProxy running <c>deploy/haproxy/signaling.cfg</c>, reached
/// with Microsoft's .NET client as users run it: it negotiates through the balancer, then opens
/// its transport with the connection token, which only the instance that negotiated knows.
/// </summary>
public sealed class LoadBalancerTests : IAsyncLifetime
{
    private const string Org = "lb-tests";

    private RedisTestCluster _cluster = null!;

    private LoadBalancer _balancer = null!;

    public async Task InitializeAsync()
    {
        _cluster = await RedisTestCluster.StartAsync(2);
        try
        {
            _balancer = await LoadBalancer.StartAsync(_cluster.Instances);
        }
        catch
        {
            // xunit does not call DisposeAsync when InitializeAsync throws: the instances would outlive the run.
            await _cluster.DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        await _balancer.DisposeAsync();
        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task Two_clients_with_default_options_land_on_different_instances_and_complete_a_call()
    {
        await using var alice = await ConnectAsync("alice");
        await using var bob = await ConnectAsync("bob");

        await AssertOnDifferentInstancesAsync(alice, bob);
        await OfficialCall.CompleteAsync(alice, bob, "lb-default");
    }

    [Fact]
    public async Task A_websocket_client_and_a_long_polling_client_on_different_instances_complete_a_call()
    {
        await using var alice = await ConnectAsync("alice", HttpTransportType.WebSockets);
        await using var bob = await ConnectAsync("bob", HttpTransportType.LongPolling);

        await AssertOnDifferentInstancesAsync(alice, bob);
        await OfficialCall.CompleteAsync(alice, bob, "lb-mixed");
    }

    [Fact]
    public async Task A_client_that_drops_the_balancers_cookie_negotiates_on_one_instance_and_is_refused_by_the_other()
    {
        // As a client without a cookie store would: the balancer cannot tell its WebSocket request
        // from a new client's and sends it, round robin, to the instance that did not negotiate.
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => OfficialClient.ConnectAsync(
            _balancer, Tokens.Create("cookieless", org: Org), HttpTransportType.WebSockets, options => options.HttpMessageHandlerFactory = handler =>
            {
                ((HttpClientHandler)handler).UseCookies = false;
                return handler;
            }));

        Assert.Contains("status code '404'", refused.Message, StringComparison.Ordinal);
    }

    private Task<OfficialClient> ConnectAsync(string sub, HttpTransportType? transport = null) =>
        OfficialClient.ConnectAsync(_balancer, Tokens.Create(sub, org: Org), transport);

    /// <summary>Round robin sends the second client's negotiate to the other instance; the cookie keeps each there.</summary>
    private async Task AssertOnDifferentInstancesAsync(OfficialClient first, OfficialClient second)
    {
        using var admin = _balancer.CreateHttpClient(Tokens.Create("ops", roles: ["admin"], org: Org));
        string[] ids = [first.ConnectionId, second.ConnectionId];
        var listed = await Eventually.Until(
            async () => (await admin.GetFromJsonAsync<List<ConnectionInfo>>(new Uri("/api/connections", UriKind.Relative), RedisTestCluster.Json))!,
            connections => ids.All(id => connections.Any(c => c.ConnectionId == id)),
            what: "both connections listed by the cluster");
        var instances = ids.Select(id => listed.Single(c => c.ConnectionId == id).InstanceId).ToList();
        Assert.NotEqual(instances[0], instances[1]);
    }
}
