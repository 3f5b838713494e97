using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Time.Testing;
using Signaling.Contracts;
using Signaling.Contracts.Http;
using Signaling.Contracts.Rooms;
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
    public async Task An_empty_room_is_removed_at_its_timeout_and_inactive_members_with_it()
    {
        using var http = _app.CreateHttpClient(Tokens.Create("alice"));
        // Off the rhythm of a periodic sweep (a quarter of the timeout): only a sweep at the deadline is on time.
        _time.Advance(TimeSpan.FromSeconds(10));
        var alice = await _app.JoinAsync("alice", "short-lived");
        await alice.DisposeAsync();
        var left = await Eventually.Until(async () => (await http.GetFromJsonAsync<RoomDetails>("/api/rooms/short-lived"))!.Members.Single(), m => !m.IsActive);
        var deadline = left.LastSeen + (long)TimeSpan.FromMinutes(5).TotalMilliseconds;

        _time.SetUtcNow(DateTimeOffset.FromUnixTimeMilliseconds(deadline - 1));
        Assert.Contains((await http.GetFromJsonAsync<RoomPage>("/api/rooms"))!.Items, r => r.RoomId == "short-lived");
        Assert.False(Assert.Single((await http.GetFromJsonAsync<RoomDetails>("/api/rooms/short-lived"))!.Members).IsActive);

        _time.SetUtcNow(DateTimeOffset.FromUnixTimeMilliseconds(deadline + 1));
        await Eventually.Until(async () => (await http.GetFromJsonAsync<RoomPage>("/api/rooms"))!.Items.All(r => r.RoomId != "short-lived"), what: "the empty room gone from the list");
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/rooms/short-lived")).StatusCode);
    }

    [Fact]
    public async Task A_room_with_an_active_member_outlives_the_timeout_but_closes_at_its_maximum_duration()
    {
        using var owner = _app.CreateHttpClient(Tokens.Create("owner"));
        _time.Advance(TimeSpan.FromSeconds(10));
        var roomId = await CreateAsync(owner, new RoomSettings(MaxDurationMinutes: 30));
        await using var alice = await _app.ConnectAsync(Tokens.Create("alice"));
        var joined = await alice.Client.JoinRoom(new JoinRoomRequest(roomId));
        var deadline = joined.Room.CreatedAt + (long)TimeSpan.FromMinutes(30).TotalMilliseconds;

        _time.SetUtcNow(DateTimeOffset.FromUnixTimeMilliseconds(deadline - 1));
        Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync($"/api/rooms/{roomId}")).StatusCode);
        Assert.Empty(alice.Pending(nameof(ISignalingClient.RoomClosed)));

        _time.SetUtcNow(DateTimeOffset.FromUnixTimeMilliseconds(deadline + 1));
        Assert.Equal(new RoomClosedEvent(roomId, RoomClosedReason.Expired), await alice.Next<RoomClosedEvent>(nameof(ISignalingClient.RoomClosed)));
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

    [Fact]
    public async Task The_join_link_opens_the_browser_call_in_the_room_and_its_organization_in_development()
    {
        using var owner = _app.CreateHttpClient(Tokens.Create("owner", org: "acme"));
        var created = (await (await owner.PostAsJsonAsync("/api/rooms", new CreateRoomRequest("Standup"))).Content.ReadFromJsonAsync<CreateRoomResponse>())!;

        Assert.Equal(new Uri(_app.BaseAddress, $"/samples/browser-call/?room={created.RoomId}&org=acme").ToString(), created.JoinLink);
        using var browser = new HttpClient();
        var page = await browser.GetAsync(new Uri(created.JoinLink!));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task Outside_development_the_join_link_follows_the_configured_template_or_is_null()
    {
        using (var configured = new SignalingApplication(new Dictionary<string, string?>
        {
            ["Signaling:Rooms:JoinLinkTemplate"] = "https://app.example.com/join/{roomId}?from=signaling",
        }, environment: "Production"))
        {
            var created = await CreatedAsync(configured.CreateHttpClient(Tokens.Create("owner")));
            Assert.Equal($"https://app.example.com/join/{created.RoomId}?from=signaling", created.JoinLink);
        }

        using var bare = new SignalingApplication(environment: "Production");
        var response = await bare.CreateHttpClient(Tokens.Create("owner")).PostAsJsonAsync("/api/rooms", new CreateRoomRequest());
        Assert.Contains("\"joinLink\":null", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://app.example.com/join/")]
    [InlineData("/join/{roomId}")]
    [InlineData("ftp://files.example.com/{roomId}")]
    public void A_join_link_template_that_cannot_make_a_link_fails_start_naming_the_key(string template)
    {
        var ex = Assert.ThrowsAny<Exception>(() => new SignalingApplication(new Dictionary<string, string?> { ["Signaling:Rooms:JoinLinkTemplate"] = template }));
        Assert.Contains("Signaling:Rooms:JoinLinkTemplate", ProblemAssert.Messages(ex), StringComparison.Ordinal);
        Assert.Contains("https://app.example.com/join/{roomId}", ProblemAssert.Messages(ex), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Room_details_and_the_join_result_count_active_and_all_members()
    {
        using var owner = _app.CreateHttpClient(Tokens.Create("owner", org: "acme"));
        var roomId = await CreateAsync(owner);
        await using var alice = await _app.ConnectAsync(Tokens.Create("alice", org: "acme"));
        var first = await alice.Client.JoinRoom(new JoinRoomRequest(roomId));
        Assert.Equal((1, 1), (first.ActiveCount, first.TotalCount));

        await using var bob = await _app.ConnectAsync(Tokens.Create("bob", org: "acme"));
        await bob.Client.JoinRoom(new JoinRoomRequest(roomId));
        await bob.Client.LeaveRoom(roomId);
        await using var carol = await _app.ConnectAsync(Tokens.Create("carol", org: "acme"));
        var third = await carol.Client.JoinRoom(new JoinRoomRequest(roomId));
        Assert.Equal((2, 3), (third.ActiveCount, third.TotalCount));

        var details = (await owner.GetFromJsonAsync<RoomDetails>($"/api/rooms/{roomId}"))!;
        Assert.Equal((2, 3), (details.ActiveCount, details.TotalCount));
        var raw = await owner.GetStringAsync($"/api/rooms/{roomId}");
        Assert.Contains("\"activeCount\":2", raw, StringComparison.Ordinal);
        Assert.Contains("\"totalCount\":3", raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rooms_are_listed_newest_first_so_a_room_just_made_is_on_the_first_page()
    {
        using var owner = _app.CreateHttpClient(Tokens.Create("owner", org: "busy"));
        var made = new List<string>();
        for (var i = 0; i < 25; i++)
        {
            made.Add(await CreateAsync(owner));
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        var page = (await owner.GetFromJsonAsync<RoomPage>("/api/rooms"))!;
        Assert.Equal(25, page.Total);
        Assert.Equal(made.AsEnumerable().Reverse().Take(page.Limit), page.Items.Select(r => r.RoomId));
    }

    private static async Task<CreateRoomResponse> CreatedAsync(HttpClient http)
    {
        var response = await http.PostAsJsonAsync("/api/rooms", new CreateRoomRequest("Room"));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<CreateRoomResponse>())!;
    }

    private static async Task<string> CreateAsync(HttpClient http, RoomSettings? settings = null)
    {
        var response = await http.PostAsJsonAsync("/api/rooms", new CreateRoomRequest("Room", Settings: settings));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<CreateRoomResponse>())!.RoomId;
    }


    public void Dispose() => _app.Dispose();
}
