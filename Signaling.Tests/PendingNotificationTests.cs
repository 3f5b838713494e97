using System.Text.Json;
using Signaling.Contracts;
using Signaling.Contracts.Admin;
using Signaling.Contracts.Rooms;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests;

public sealed class PendingNotificationTests : IDisposable
{
    private readonly SignalingApplication _app = new();

    [Fact]
    public async Task An_admin_who_was_away_gets_what_happened_when_it_connects()
    {
        var adminToken = Tokens.Create("agent", roles: ["admin"], org: "acme");
        var device = await _app.ConnectAsync(Tokens.Create("device", name: "Kiosk", roles: ["client"], org: "acme"));
        var admin = await _app.ConnectAsync(adminToken);
        Assert.Empty(await admin.Next<IReadOnlyList<Notification>>(nameof(ISignalingClient.PendingNotifications)));
        await device.DisposeAsync();
        await admin.Next<ClientStatusChangedEvent>(nameof(ISignalingClient.ClientStatusChanged), e => e.Status == ClientStatus.Offline);
        var request = await admin.Client.AdminConnectRequest(new AdminConnectRequestArgs("device", JsonSerializer.SerializeToElement("help")));

        // The admin leaves; a room it was in tells when the server has registered that.
        await using var witness = await _app.JoinAsync("witness", "lobby", org: "acme");
        await admin.Client.JoinRoom(new JoinRoomRequest("lobby"));
        await admin.DisposeAsync();
        await witness.Next<PeerLeftEvent>(nameof(ISignalingClient.PeerLeft));

        await using var back = await _app.ConnectAsync(Tokens.Create("device", name: "Kiosk", roles: ["client"], org: "acme"));
        var delivered = await back.Next<ConnectRequestEvent>(nameof(ISignalingClient.ConnectRequest));
        await back.Client.RespondToConnectRequest(new RespondToConnectRequestArgs(delivered.RequestId, true, JsonSerializer.SerializeToElement("ok")));

        await using var returning = await _app.ConnectAsync(adminToken);
        var pending = await returning.Next<IReadOnlyList<Notification>>(nameof(ISignalingClient.PendingNotifications));
        Assert.Equal(2, pending.Count);
        Assert.Equal((NotificationType.ClientOnline, "device"), (pending[0].Type, pending[0].ClientId));
        Assert.Equal((NotificationType.RequestUpdated, request.RequestId, ConnectRequestStatus.Accepted), (pending[1].Type, pending[1].RequestId, pending[1].Status));

        // Handed over once.
        await using var again = await _app.ConnectAsync(adminToken);
        Assert.Empty(await again.Next<IReadOnlyList<Notification>>(nameof(ISignalingClient.PendingNotifications)));
    }

    public void Dispose() => _app.Dispose();
}
