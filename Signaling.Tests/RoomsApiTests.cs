using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Signaling.Contracts;
using Signaling.Contracts.Http;
using Signaling.Contracts.Rooms;
using Signaling.Hub.Rooms;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests;

public sealed class RoomsApiTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly SignalingApplication _app;

    public RoomsApiTests() => _app = new SignalingApplication(new Dictionary<string, string?>
    {
        ["Signaling:Rooms:EmptyRoomTimeout"] = "00:05:00",
    }, time: _time);

    [Fact]
    public async Task Create_join_describe_and_delete_a_room()
    {
        using var owner = _app.CreateHttpClient(Tokens.Create("owner", org: "acme"));
        var response = await owner.PostAsJsonAsync("/api/rooms", new CreateRoomRequest("Standup", RoomType.Voice, 3, new RoomSettings(MuteOnEntry: true)));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = (await response.Content.ReadFromJsonAsync<CreateRoomResponse>())!;
        Assert.Contains(created.RoomId, created.JoinLink, StringComparison.Ordinal);
        Assert.Equal(new RoomInfo(created.RoomId, "Standup", RoomType.Voice, 3, new RoomSettings(true), created.Room.CreatedAt, "owner"), created.Room);

        await using var alice = await _app.ConnectAsync(Tokens.Create("alice", org: "acme"));
        var joined = await alice.Client.JoinRoom(new JoinRoomRequest(created.RoomId, MediaState: new MediaState(true, true, false)));
        Assert.Equal(created.Room, joined.Room);
        Assert.Equal(new MediaState(false, false, false), (await owner.GetFromJsonAsync<RoomDetails>($"/api/rooms/{created.RoomId}"))!.Members.Single().MediaState);

        var details = (await owner.GetFromJsonAsync<RoomDetails>($"/api/rooms/{created.RoomId}"))!;
        Assert.Equal("alice", Assert.Single(details.Members).PeerId);
        Assert.True(details.Members[0].IsActive);
        Assert.Equal(ConnectionMode.P2p, details.ConnectionMode);

        var page = (await owner.GetFromJsonAsync<RoomPage>("/api/rooms?limit=10"))!;
        Assert.Contains(page.Items, r => r.RoomId == created.RoomId);

        Assert.Equal(HttpStatusCode.NoContent, (await owner.DeleteAsync($"/api/rooms/{created.RoomId}")).StatusCode);
        Assert.Equal(new RoomClosedEvent(created.RoomId, RoomClosedReason.Deleted), await alice.Next<RoomClosedEvent>(nameof(ISignalingClient.RoomClosed)));
        Assert.Equal(HttpStatusCode.NotFound, (await owner.GetAsync($"/api/rooms/{created.RoomId}")).StatusCode);
        await ErrorAssert.Code(ErrorCodes.NotInRoom, () => alice.Client.UpdateMediaState(new UpdateMediaStateRequest(created.RoomId, new MediaState())));
    }

    [Fact]
    public async Task Only_the_creator_or_an_org_admin_deletes_and_other_orgs_cannot_see_the_room()
    {
        using var owner = _app.CreateHttpClient(Tokens.Create("owner", org: "acme"));
        var roomId = await CreateAsync(owner);
        using var colleague = _app.CreateHttpClient(Tokens.Create("colleague", org: "acme"));
        using var outsider = _app.CreateHttpClient(Tokens.Create("outsider", org: "globex", roles: ["admin"]));
        using var admin = _app.CreateHttpClient(Tokens.Create("boss", org: "acme", roles: ["admin"]));

        await ProblemAssert.Code(await colleague.DeleteAsync($"/api/rooms/{roomId}"), HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        await ProblemAssert.Code(await outsider.GetAsync($"/api/rooms/{roomId}"), HttpStatusCode.NotFound, ErrorCodes.RoomNotFound);
        await ProblemAssert.Code(await outsider.DeleteAsync($"/api/rooms/{roomId}"), HttpStatusCode.NotFound, ErrorCodes.RoomNotFound);
        Assert.DoesNotContain((await outsider.GetFromJsonAsync<RoomPage>("/api/rooms"))!.Items, r => r.RoomId == roomId);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/rooms/{roomId}")).StatusCode);
    }

    [Fact]
    public async Task A_room_token_joins_only_its_room_and_dies_with_the_room()
    {
        using var owner = _app.CreateHttpClient(Tokens.Create("owner", org: "acme"));
        var roomId = await CreateAsync(owner);
        var issued = await owner.PostAsJsonAsync($"/api/rooms/{roomId}/tokens", new RoomTokenRequest(10));
        var token = (await issued.Content.ReadFromJsonAsync<RoomTokenResponse>())!;
        Assert.Equal(roomId, token.RoomId);

        await using var guest = await _app.ConnectAsync(token.Token);
        await ErrorAssert.Code(ErrorCodes.Forbidden, () => guest.Client.JoinRoom(new JoinRoomRequest("elsewhere")));
        await guest.Client.JoinRoom(new JoinRoomRequest(roomId));
        using var guestHttp = _app.CreateHttpClient(token.Token);
        await ProblemAssert.Code(await guestHttp.PostAsJsonAsync("/api/rooms", new CreateRoomRequest()), HttpStatusCode.Forbidden, ErrorCodes.Forbidden);

        await owner.DeleteAsync($"/api/rooms/{roomId}");
        await guest.Next<RoomClosedEvent>(nameof(ISignalingClient.RoomClosed));
        // Replaying the invitation must not recreate the deleted room.
        await ErrorAssert.Code(ErrorCodes.RoomNotFound, () => guest.Client.JoinRoom(new JoinRoomRequest(roomId)));
    }

    [Fact]
    public async Task An_empty_room_is_removed_after_the_timeout_and_inactive_members_with_it()
    {
        var alice = await _app.JoinAsync("alice", "short-lived");
        await alice.DisposeAsync();
        var janitor = _app.Services.GetRequiredService<RoomJanitor>();
        using var http = _app.CreateHttpClient(Tokens.Create("alice"));
        // The client is gone once its close frame is sent; the server marks the room empty when it
        // processes the close, at the clock's time then: before the clock moves.
        await Eventually.Until(
            async () => (await http.GetFromJsonAsync<RoomDetails>("/api/rooms/short-lived"))!,
            room => !Assert.Single(room.Members).IsActive,
            what: "alice inactive");

        _time.Advance(TimeSpan.FromMinutes(4));
        await janitor.SweepAsync();
        var kept = (await http.GetFromJsonAsync<RoomDetails>("/api/rooms/short-lived"))!;
        Assert.False(Assert.Single(kept.Members).IsActive);

        _time.Advance(TimeSpan.FromMinutes(2));
        await janitor.SweepAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/rooms/short-lived")).StatusCode);
    }

    [Fact]
    public async Task A_room_with_an_active_member_outlives_the_timeout_but_not_its_maximum_duration()
    {
        using var owner = _app.CreateHttpClient(Tokens.Create("owner"));
        var roomId = await CreateAsync(owner, new RoomSettings(MaxDurationMinutes: 30));
        await using var alice = await _app.ConnectAsync(Tokens.Create("alice"));
        await alice.Client.JoinRoom(new JoinRoomRequest(roomId));
        var janitor = _app.Services.GetRequiredService<RoomJanitor>();

        // Advancing fake time also fires the janitor's own timer, so assert on what users see,
        // not on which sweep did the work.
        _time.Advance(TimeSpan.FromMinutes(20));
        await janitor.SweepAsync();
        Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync($"/api/rooms/{roomId}")).StatusCode);

        _time.Advance(TimeSpan.FromMinutes(11));
        await janitor.SweepAsync();
        Assert.Equal(RoomClosedReason.Expired, (await alice.Next<RoomClosedEvent>(nameof(ISignalingClient.RoomClosed))).Reason);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.GetAsync($"/api/rooms/{roomId}")).StatusCode);
    }

    [Fact]
    public async Task Bad_room_requests_get_problem_details()
    {
        using var http = _app.CreateHttpClient(Tokens.Create("owner"));
        await ProblemAssert.Code(await http.PostAsJsonAsync("/api/rooms", new CreateRoomRequest(MaxParticipants: 0)), HttpStatusCode.BadRequest, ErrorCodes.InvalidArgument);
        await ProblemAssert.Code(await http.PostAsync("/api/rooms", new StringContent("""{"type":"hologram"}""", System.Text.Encoding.UTF8, "application/json")),
            HttpStatusCode.BadRequest, ErrorCodes.InvalidArgument);
        await ProblemAssert.Code(await http.GetAsync("/api/rooms/bad%20id"), HttpStatusCode.BadRequest, ErrorCodes.InvalidArgument);
        await ProblemAssert.Code(await http.GetAsync("/api/rooms?limit=1000"), HttpStatusCode.BadRequest, ErrorCodes.InvalidArgument);
        using var anonymous = _app.CreateHttpClient();
        await ProblemAssert.Code(await anonymous.GetAsync("/api/rooms"), HttpStatusCode.Unauthorized, ErrorCodes.Unauthorized);
    }

    private static async Task<string> CreateAsync(HttpClient http, RoomSettings? settings = null)
    {
        var response = await http.PostAsJsonAsync("/api/rooms", new CreateRoomRequest("Room", Settings: settings));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<CreateRoomResponse>())!.RoomId;
    }


    public void Dispose() => _app.Dispose();
}
