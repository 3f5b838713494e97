using Signaling.Contracts;
using Signaling.Contracts.Admin;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests;

public sealed class ClientPresenceTests : IDisposable
{
    private readonly SignalingApplication _app = new();

    private Task<TestPeer> Admin(string sub, string org) => _app.ConnectAsync(Tokens.Create(sub, roles: ["admin"], org: org));

    private Task<TestPeer> Device(string sub, string org, string? name = null) => _app.ConnectAsync(Tokens.Create(sub, name: name, roles: ["client"], org: org));

    [Fact]
    public async Task Admins_of_the_same_org_see_their_clients_come_online_and_go_offline()
    {
        await using var acmeAdmin = await Admin("acme-admin", "acme");
        await using var globexAdmin = await Admin("globex-admin", "globex");

        var kiosk = await Device("kiosk-1", "acme", "Front desk");
        var online = await acmeAdmin.Next<ClientStatusChangedEvent>(nameof(ISignalingClient.ClientStatusChanged));
        Assert.Equal(("kiosk-1", "Front desk", ClientStatus.Online, false), (online.ClientId, online.UserName, online.Status, online.Reconnected));

        await kiosk.DisposeAsync();
        var offline = await acmeAdmin.Next<ClientStatusChangedEvent>(nameof(ISignalingClient.ClientStatusChanged));
        Assert.Equal((ClientStatus.Offline, "kiosk-1"), (offline.Status, offline.ClientId));

        await using var back = await Device("kiosk-1", "acme", "Front desk");
        var again = await acmeAdmin.Next<ClientStatusChangedEvent>(nameof(ISignalingClient.ClientStatusChanged));
        Assert.True(again.Reconnected);

        // The other org's admin hears about its own device first: nothing of acme's reached it.
        await using var globexDevice = await Device("pos-9", "globex");
        Assert.Equal("pos-9", (await globexAdmin.Next<ClientStatusChangedEvent>(nameof(ISignalingClient.ClientStatusChanged))).ClientId);
    }

    [Fact]
    public async Task A_client_with_two_connections_stays_online_until_both_close()
    {
        await using var admin = await Admin("admin", "acme");
        var first = await Device("tablet", "acme");
        await using var second = await Device("tablet", "acme");
        Assert.Equal(ClientStatus.Online, (await admin.Next<ClientStatusChangedEvent>(nameof(ISignalingClient.ClientStatusChanged))).Status);

        await first.DisposeAsync();
        await WaitForHistory(admin, "tablet", 3);
        var clients = await admin.Client.GetClients();
        Assert.Equal(ClientStatus.Online, Assert.Single(clients).Status);
        Assert.Equal(2, clients[0].ConnectCount);

        // Had the first close announced "offline", it would reach the admin before this.
        await using var control = await Device("control", "acme");
        Assert.Equal("control", (await admin.Next<ClientStatusChangedEvent>(nameof(ISignalingClient.ClientStatusChanged))).ClientId);
    }

    [Fact]
    public async Task GetClients_and_history_are_per_org_and_admin_only()
    {
        var device = await Device("kiosk", "acme");
        await using var otherOrgDevice = await Device("pos", "globex");
        await using var admin = await Admin("admin", "acme");
        await device.DisposeAsync();
        Assert.Equal(ClientStatus.Offline, (await admin.Next<ClientStatusChangedEvent>(nameof(ISignalingClient.ClientStatusChanged))).Status);

        var history = await admin.Client.GetClientHistory("kiosk");
        Assert.Equal([ClientHistoryEventType.Connected, ClientHistoryEventType.Disconnected], history.Events.Select(e => e.Type));
        Assert.True(history.Events[1].At >= history.Events[0].At);

        var clients = await admin.Client.GetClients();
        var kiosk = Assert.Single(clients);
        Assert.Equal(("kiosk", ClientStatus.Offline, 1), (kiosk.ClientId, kiosk.Status, kiosk.ConnectCount));

        await ErrorAssert.Code(ErrorCodes.ClientNotFound, () => admin.Client.GetClientHistory("pos"));
        await ErrorAssert.Code(ErrorCodes.InvalidArgument, () => admin.Client.GetClientHistory("../pos"));
        await using var notAdmin = await Device("curious", "acme");
        await ErrorAssert.Code(ErrorCodes.Forbidden, () => notAdmin.Client.GetClients());
        await ErrorAssert.Code(ErrorCodes.Forbidden, () => notAdmin.Client.GetClientHistory("kiosk"));
    }

    /// <summary>
    /// A close that changes no status sends no event, so the only thing to wait on is the
    /// history entry the server writes when it notices the close (polled, with a timeout).
    /// </summary>
    private static async Task<ClientHistory> WaitForHistory(TestPeer admin, string clientId, int entries)
    {
        using var timeout = new CancellationTokenSource(Timeouts.Default);
        while (true)
        {
            var history = await admin.Client.GetClientHistory(clientId, timeout.Token);
            if (history.Events.Count >= entries)
            {
                return history;
            }

            await Task.Delay(20, timeout.Token);
        }
    }

    public void Dispose() => _app.Dispose();
}
