using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Signaling.Contracts;
using Signaling.Contracts.Admin;
using Signaling.Contracts.Http;
using Signaling.Contracts.Rooms;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests;

/// <summary>
/// Tokens from an issuer a team already runs: a Node server's
/// <c>jwt.sign({ agentId }, JWT_SECRET, { expiresIn: '1h' })</c>, minted by the real <c>jsonwebtoken</c>
/// package. No <c>iss</c>, no <c>aud</c>, the identity in <c>agentId</c>: the service accepts them
/// once told which claim holds the id and that issuer and audience are not set.
/// </summary>
public sealed class ExternalTokenTests : IDisposable
{
    private static readonly string ScriptDirectory = Path.Combine(AppContext.BaseDirectory, "Security", "node");

    private static readonly Dictionary<string, string?> AgentIdSettings = new()
    {
        ["Signaling:Jwt:PeerIdClaim"] = "agentId",
        ["Signaling:Jwt:ValidateIssuer"] = "false",
        ["Signaling:Jwt:ValidateAudience"] = "false",
    };

    private readonly SignalingApplication _app = new(AgentIdSettings);

    [Fact]
    public async Task A_token_signed_as_a_node_server_signs_it_connects_and_its_agentId_is_the_peer_id()
    {
        var token = await NodeTokenAsync(new { agentId = "agent-7" });
        var jwt = new JsonWebToken(token);
        // The shape under test, as jsonwebtoken made it.
        Assert.Equal(("HS256", "", 0), (jwt.Alg, jwt.Issuer, jwt.Audiences.Count()));
        Assert.Equal(["agentId", "exp", "iat"], jwt.Claims.Select(c => c.Type).Order(StringComparer.Ordinal));

        await using var agent = await _app.ConnectAsync(token);
        var joined = await agent.Client.JoinRoom(new JoinRoomRequest("support")).WaitAsync(Timeouts.Default);
        Assert.Equal("agent-7", joined.PeerId);

        using var http = _app.CreateHttpClient(token);
        var created = await http.PostAsJsonAsync("/api/rooms", new { name = "Escalation", type = "video" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("agent-7", (await created.Content.ReadFromJsonAsync<CreateRoomResponse>())!.Room.CreatedBy);
    }

    [Fact]
    public async Task With_default_settings_the_same_token_is_refused()
    {
        var token = await NodeTokenAsync(new { agentId = "agent-7" });
        using var defaults = new SignalingApplication();

        await AssertRefusedAsync(defaults, token);
    }

    /// <summary>Each switch turns off its own check only: with the issuer check off, a token still needs the audience.</summary>
    [Theory]
    [InlineData("ValidateIssuer", "aud")]
    [InlineData("ValidateAudience", "iss")]
    public async Task Turning_off_one_check_leaves_the_other_in_force(string theSwitch, string stillChecked)
    {
        using var app = new SignalingApplication(new Dictionary<string, string?>
        {
            ["Signaling:Jwt:PeerIdClaim"] = "agentId",
            [$"Signaling:Jwt:{theSwitch}"] = "false",
        });

        await using var carriesIt = await app.ConnectAsync(await NodeTokenAsync(new Dictionary<string, string> { ["agentId"] = "agent-7", [stillChecked] = "signaling" }));
        Assert.Equal("agent-7", (await carriesIt.Client.JoinRoom(new JoinRoomRequest("support")).WaitAsync(Timeouts.Default)).PeerId);
        await AssertRefusedAsync(app, await NodeTokenAsync(new { agentId = "agent-8" }));
    }

    [Fact]
    public async Task The_configured_claim_alone_is_the_identity()
    {
        // 'sub' means nothing here: a token with only 'sub' is refused, and one with both is its agentId.
        await AssertRefusedAsync(_app, await NodeTokenAsync(new { sub = "agent-7" }));

        await using var both = await _app.ConnectAsync(await NodeTokenAsync(new { sub = "someone-else", agentId = "agent-8" }));
        Assert.Equal("agent-8", (await both.Client.JoinRoom(new JoinRoomRequest("support")).WaitAsync(Timeouts.Default)).PeerId);
    }

    [Fact]
    public async Task Client_and_admin_ids_come_from_the_configured_claim()
    {
        await using var device = await _app.ConnectAsync(await NodeTokenAsync(new { agentId = "kiosk-7", role = "client", org = "acme" }));
        var adminToken = await NodeTokenAsync(new { agentId = "desk-1", name = "Front desk", role = "admin", org = "acme" });
        using var admin = _app.CreateHttpClient(adminToken);

        var listed = Assert.Single((await admin.GetFromJsonAsync<ClientSummary[]>("/api/admin/clients"))!);
        Assert.Equal(("kiosk-7", ClientStatus.Online), (listed.ClientId, listed.Status));
        var sent = await admin.PostAsJsonAsync("/api/admin/clients/kiosk-7/connect-requests", new { offerData = "hello" });
        Assert.Equal(HttpStatusCode.Created, sent.StatusCode);
        var request = await device.Next<ConnectRequestEvent>(nameof(ISignalingClient.ConnectRequest));
        Assert.Equal(("desk-1", "Front desk"), (request.AdminId, request.AdminName));
    }

    [Fact]
    public async Task Tokens_the_service_mints_carry_the_id_in_the_configured_claim()
    {
        using var anonymous = _app.CreateHttpClient();
        var dev = await anonymous.PostAsJsonAsync("/api/dev/tokens", new DevTokenRequest("dev-user"));
        var devToken = (await dev.Content.ReadFromJsonAsync<TokenResponse>())!.Token;
        Assert.Equal("dev-user", new JsonWebToken(devToken).GetPayloadValue<string>("agentId"));
        Assert.False(new JsonWebToken(devToken).TryGetPayloadValue<string>("sub", out _));
        await using var devPeer = await _app.ConnectAsync(devToken);
        Assert.Equal("dev-user", (await devPeer.Client.JoinRoom(new JoinRoomRequest("minted")).WaitAsync(Timeouts.Default)).PeerId);

        // A room token names a guest identity of its own, in the same claim, and lets that guest in.
        using var owner = _app.CreateHttpClient(await NodeTokenAsync(new { agentId = "agent-7" }));
        var room = (await (await owner.PostAsJsonAsync("/api/rooms", new { name = "Walk-in", type = "video" })).Content.ReadFromJsonAsync<CreateRoomResponse>())!;
        var invitation = await owner.PostAsJsonAsync($"/api/rooms/{room.RoomId}/tokens", new RoomTokenRequest());
        var guestToken = (await invitation.Content.ReadFromJsonAsync<RoomTokenResponse>())!.Token;
        var guestId = new JsonWebToken(guestToken).GetPayloadValue<string>("agentId");
        Assert.StartsWith("guest-", guestId, StringComparison.Ordinal);
        await using var guest = await _app.ConnectAsync(guestToken);
        Assert.Equal(guestId, (await guest.Client.JoinRoom(new JoinRoomRequest(room.RoomId)).WaitAsync(Timeouts.Default)).PeerId);
    }

    public static TheoryData<string, string, string> BadSettings => new()
    {
        { "Signaling:Jwt:PeerIdClaim", "role", "Signaling:Jwt:PeerIdClaim cannot be 'role'" },
        { "Signaling:Jwt:PeerIdClaim", "", "Signaling:Jwt:PeerIdClaim must name a claim: e.g. sub or agentId" },
        { "Signaling:Jwt:SigningKey", "short-node-secret", "openssl rand -base64 48" },
        { "Signaling:Jwt:ValidateAudience", "no", "Signaling:Jwt:ValidateAudience" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void A_setting_that_cannot_be_used_fails_the_start_saying_how_to_fix_it(string key, string value, string expected) =>
        Assert.Contains(expected, ProblemAssert.StartFailure(new Dictionary<string, string?> { [key] = value }), StringComparison.Ordinal);

    private static async Task AssertRefusedAsync(ISignalingHost host, string token)
    {
        var hub = await Assert.ThrowsAsync<HttpRequestException>(() => OfficialClient.ConnectAsync(host, token));
        Assert.Equal(HttpStatusCode.Unauthorized, hub.StatusCode);
        using var http = host.CreateHttpClient(token);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(new Uri("/api/ice-servers", UriKind.Relative))).StatusCode);
    }

    private static async Task<string> NodeTokenAsync(object claims)
    {
        await NodeScripts.EnsurePackagesAsync(ScriptDirectory, "jsonwebtoken");
        return await NodeScripts.RunAsync(ScriptDirectory, "mint.mjs", [JsonSerializer.Serialize(claims)], new Dictionary<string, string> { ["JWT_SECRET"] = Tokens.SigningKey });
    }

    public void Dispose() => _app.Dispose();
}
