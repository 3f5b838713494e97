using System.Net;
using System.Net.Http.Json;
using Signaling.Client;
using Signaling.Contracts;
using Signaling.Contracts.Http;
using Signaling.Contracts.Rooms;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests;

public sealed class AuthenticationTests : IDisposable
{
    private readonly SignalingApplication _app = new();

    public static TheoryData<string, string> BadTokens => new()
    {
        { "none", "" },
        { "expired", Tokens.Create("mallory", expires: DateTime.UtcNow.AddMinutes(-5), notBefore: DateTime.UtcNow.AddMinutes(-10)) },
        // Minted when the tests are discovered, which can be many minutes before this case runs: a day ahead stays "not yet".
        { "not yet valid", Tokens.Create("mallory", notBefore: DateTime.UtcNow.AddDays(1), expires: DateTime.UtcNow.AddDays(2)) },
        { "wrong signature", Tokens.Create("mallory", key: "another-key-of-enough-length-0123456789-abcdef") },
        { "wrong audience", Tokens.Create("mallory", audience: "someone-else") },
        { "wrong issuer", Tokens.Create("mallory", issuer: "someone-else") },
        { "alg none", Tokens.AlgNone("mallory") },
        { "garbage", "not.a.jwt" },
        { "invalid sub", Tokens.Create("mallory/../../etc") },
    };

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task Hub_refuses_bad_tokens(string kind, string token)
    {
        var ex = await Assert.ThrowsAsync<SignalingConnectionException>(() => _app.ConnectAsync(token.Length == 0 ? null : token));
        Assert.True(ex.StatusCode == 401, $"{kind}: expected 401, got {ex.StatusCode}: {ex.Message}");
    }

    [Fact]
    public async Task A_room_scoped_token_joins_its_room_only()
    {
        await using var host = await _app.JoinAsync("host", "standup");
        await using var guest = await _app.ConnectAsync(Tokens.Create("guest", room: "standup"));

        await ErrorAssert.Code(ErrorCodes.Forbidden, () => guest.Client.JoinRoom(new JoinRoomRequest("other-room")));
        var joined = await guest.Client.JoinRoom(new JoinRoomRequest("standup"));
        Assert.Equal("standup", joined.RoomId);
    }

    [Fact]
    public async Task A_room_of_one_organization_is_closed_to_another_without_a_room_token()
    {
        await using var owner = await _app.JoinAsync("owner", "acme-room", org: "acme");
        await using var outsider = await _app.ConnectAsync(Tokens.Create("outsider", org: "globex"));
        await using var invited = await _app.ConnectAsync(Tokens.Create("invited", org: "globex", room: "acme-room"));

        await ErrorAssert.Code(ErrorCodes.Forbidden, () => outsider.Client.JoinRoom(new JoinRoomRequest("acme-room")));
        await invited.Client.JoinRoom(new JoinRoomRequest("acme-room"));
        var joined = await owner.Next<PeerInfo>(nameof(ISignalingClient.PeerJoined));
        Assert.Equal("invited", joined.PeerId);
    }

    [Fact]
    public async Task Dev_tokens_are_minted_in_development_and_accepted_by_the_hub()
    {
        using var http = _app.CreateHttpClient();
        var response = await http.PostAsJsonAsync("/api/dev/tokens", new DevTokenRequest("dev-user", "Dev User", ["client"], "acme"));
        response.EnsureSuccessStatusCode();
        var minted = (await response.Content.ReadFromJsonAsync<TokenResponse>())!;

        await using var peer = await _app.ConnectAsync(minted.Token);
        var joined = await peer.Client.JoinRoom(new JoinRoomRequest("dev-room"));
        Assert.Equal("dev-user", joined.PeerId);
    }

    [Fact]
    public async Task Dev_token_route_does_not_exist_outside_development()
    {
        using var production = new SignalingApplication(environment: "Production");
        using var http = production.CreateHttpClient();
        var response = await http.PostAsJsonAsync("/api/dev/tokens", new DevTokenRequest("admin", Roles: ["admin"]));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Dev_token_route_answers_bad_input_with_problem_details()
    {
        using var http = _app.CreateHttpClient();
        foreach (var body in new[] { """{"sub":5}""", """{"sub":"a b"}""", """{"sub":"x","roles":["root"]}""", "not json" })
        {
            var response = await http.PostAsync("/api/dev/tokens", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<Dictionary<string, object>>();
            Assert.Equal(ErrorCodes.InvalidArgument, problem!["code"].ToString());
        }
    }

    [Fact]
    public async Task Query_string_tokens_are_accepted_on_hubs_only()
    {
        var token = Tokens.Create("alice");
        using var anonymous = _app.CreateHttpClient();
        var viaQuery = await anonymous.GetAsync($"/api/ice-servers?access_token={token}");
        Assert.Equal(HttpStatusCode.Unauthorized, viaQuery.StatusCode);

        using var bearer = _app.CreateHttpClient(token);
        var viaHeader = await bearer.GetAsync("/api/ice-servers");
        Assert.Equal(HttpStatusCode.OK, viaHeader.StatusCode);
    }

    public void Dispose() => _app.Dispose();
}
