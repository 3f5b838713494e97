using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Signaling.Contracts.Rooms;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests;

public sealed class HardeningTests
{
    [Fact]
    public async Task Turn_credentials_verify_with_an_independent_hmac_and_expire_as_configured()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var app = new SignalingApplication(new Dictionary<string, string?>
        {
            ["Signaling:Ice:TurnUrls:0"] = "turn:turn.example.test:3478?transport=udp",
            ["Signaling:Ice:TurnSecret"] = "coturn-static-auth-secret",
            ["Signaling:Ice:TurnCredentialTtl"] = "00:10:00",
        }, time: time);
        await using var alice = await app.JoinAsync("alice", "turn-room");

        var turn = alice.LastJoin!.IceServers.Single(s => s.Username is not null);
        Assert.Equal(["turn:turn.example.test:3478?transport=udp"], turn.Urls);
        var parts = turn.Username!.Split(':');
        Assert.Equal("alice", parts[1]);
        Assert.Equal(time.GetUtcNow().AddMinutes(10).ToUnixTimeSeconds(), long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture));
        // What coturn computes for use-auth-secret: base64(HMAC-SHA1(secret, username)).
#pragma warning disable CA5350 // the TURN REST API mandates SHA-1
        var expected = Convert.ToBase64String(new HMACSHA1(Encoding.UTF8.GetBytes("coturn-static-auth-secret")).ComputeHash(Encoding.UTF8.GetBytes(turn.Username)));
#pragma warning restore CA5350
        Assert.Equal(expected, turn.Credential);

        using var http = app.CreateHttpClient(Tokens.Create("alice"));
        time.Advance(TimeSpan.FromMinutes(5));
        var later = (await http.GetFromJsonAsync<IceServer[]>("/api/ice-servers"))!.Single(s => s.Username is not null);
        Assert.Equal(time.GetUtcNow().AddMinutes(10).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), later.Username!.Split(':')[0]);
    }

    [Fact]
    public async Task Cross_origin_calls_are_allowed_only_for_configured_origins()
    {
        using var app = new SignalingApplication(new Dictionary<string, string?> { ["Signaling:Cors:Origins:0"] = "https://app.example.test" });
        using var http = app.CreateHttpClient();

        async Task<HttpResponseMessage> Preflight(string origin)
        {
            using var request = new HttpRequestMessage(HttpMethod.Options, "/hubs/signaling/negotiate");
            request.Headers.Add("Origin", origin);
            request.Headers.Add("Access-Control-Request-Method", "POST");
            request.Headers.Add("Access-Control-Request-Headers", "authorization,x-requested-with");
            return await http.SendAsync(request);
        }

        var allowed = await Preflight("https://app.example.test");
        Assert.Equal("https://app.example.test", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("true", allowed.Headers.GetValues("Access-Control-Allow-Credentials").Single());
        var refused = await Preflight("https://evil.example.test");
        Assert.False(refused.Headers.Contains("Access-Control-Allow-Origin"));

        using var defaults = new SignalingApplication();
        using var defaultHttp = defaults.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health/live");
        request.Headers.Add("Origin", "https://app.example.test");
        Assert.False((await defaultHttp.SendAsync(request)).Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Responses_carry_security_headers()
    {
        using var app = new SignalingApplication();
        using var http = app.CreateHttpClient(Tokens.Create("alice"));
        var response = await http.GetAsync("/api/ice-servers");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Contains("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string> BadSettings => new()
    {
        { "Signaling:Rooms:MaxParticipants", "0", "Signaling:Rooms:MaxParticipants" },
        { "Signaling:Rooms:MeshLimit", "-1", "Signaling:Rooms:MeshLimit" },
        { "Signaling:Ice:TurnUrls:0", "turn:x.test", "Signaling:Ice:TurnSecret" },
        { "Signaling:Ice:StunUrls:0", "http://not-stun", "Signaling:Ice" },
        { "Signaling:Storage:Provider", "Mongo", "Signaling:Storage:Provider" },
        { "Signaling:Cors:Origins:0", "app.example.test/path", "Signaling:Cors:Origins" },
        { "Signaling:Files:MaxBytes", "0", "Signaling:Files:MaxBytes" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void Bad_configuration_fails_start_with_a_message_naming_the_key(string key, string value, string named)
    {
        var ex = Assert.ThrowsAny<Exception>(() => new SignalingApplication(new Dictionary<string, string?> { [key] = value }));
        Assert.Contains(named, ProblemAssert.Messages(ex), StringComparison.Ordinal);
    }

}
