using System.Globalization;
using System.Net.Http.Json;
using Signaling.Contracts.Rooms;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests;

/// <summary>
/// ICE settings as operators write them: lists as one comma-separated value (environment variables
/// have no arrays), a fixed TURN user instead of a secret, and refusals for combinations that would
/// hand clients STUN only or credentials the TURN server does not know.
/// </summary>
public sealed class IceSettingsTests
{
    private const string Secret = "coturn-static-auth-secret";

    [Fact]
    public async Task Turn_urls_from_a_plain_environment_variable_reach_clients_with_credentials()
    {
        // The entry given the indexed way (as an appsettings.json array would) is replaced by the plain value.
        await using var service = await SignalingProcess.StartAsync(
            new Dictionary<string, string?> { ["Signaling:Ice:TurnUrls:0"] = "turn:replaced.example.test:3478" },
            new Dictionary<string, string>
            {
                ["Signaling__Ice__TurnUrls"] = "turn:turn.example.test:3478",
                ["Signaling__Ice__TurnSecret"] = Secret,
                ["Signaling__Ice__TurnCredentialTtl"] = "600",
            });

        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var turn = (await IceServersAsync(service)).Single(s => s.Username is not null);
        var after = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        Assert.Equal(["turn:turn.example.test:3478"], turn.Urls);
        Assert.InRange(long.Parse(turn.Username!.Split(':')[0], CultureInfo.InvariantCulture), before + 600, after + 600);
    }

    [Fact]
    public async Task Comma_separated_lists_are_read_as_lists()
    {
        using var app = new SignalingApplication(new Dictionary<string, string?>
        {
            ["Signaling:Ice:StunUrls"] = "stun:a.example.test:3478, stun:b.example.test:3478",
            ["Signaling:Ice:TurnUrls"] = "turn:turn.example.test:3478?transport=udp,turns:turn.example.test:5349",
            ["Signaling:Ice:TurnSecret"] = Secret,
        });

        var servers = await IceServersAsync(app);

        Assert.Equal(["stun:a.example.test:3478", "stun:b.example.test:3478"], servers[0].Urls);
        Assert.Equal(["turn:turn.example.test:3478?transport=udp", "turns:turn.example.test:5349"], servers[1].Urls);
    }

    [Fact]
    public async Task A_fixed_turn_user_is_handed_to_every_peer_as_configured()
    {
        using var app = new SignalingApplication(new Dictionary<string, string?>
        {
            ["Signaling:Ice:TurnUrls"] = "turn:turn.example.test:3478",
            ["Signaling:Ice:TurnUsername"] = "webrtc",
            ["Signaling:Ice:TurnCredential"] = "long-term-password",
        });

        foreach (var peer in new[] { "alice", "bob" })
        {
            var turn = (await IceServersAsync(app, peer)).Single(s => s.Username is not null);
            Assert.Equal(["turn:turn.example.test:3478"], turn.Urls);
            Assert.Equal(("webrtc", "long-term-password"), (turn.Username, turn.Credential));
        }
    }

    public static TheoryData<Dictionary<string, string?>, string> BadSettings => new()
    {
        {
            new() { ["Signaling:Ice:TurnSecret"] = Secret },
            "Signaling:Ice:TurnUrls is required when TURN credentials are set: e.g. turn:turn.example.com:3478"
        },
        {
            new() { ["Signaling:Ice:TurnUsername"] = "webrtc", ["Signaling:Ice:TurnCredential"] = "pw" },
            "Signaling:Ice:TurnUrls is required when TURN credentials are set"
        },
        {
            new() { ["Signaling:Ice:TurnUrls"] = "turn:t.example.test", ["Signaling:Ice:TurnSecret"] = Secret, ["Signaling:Ice:TurnUsername"] = "webrtc", ["Signaling:Ice:TurnCredential"] = "pw" },
            "Signaling:Ice:TurnSecret and Signaling:Ice:TurnUsername/TurnCredential are both set"
        },
        {
            new() { ["Signaling:Ice:TurnUrls"] = "turn:t.example.test", ["Signaling:Ice:TurnUsername"] = "webrtc" },
            "Signaling:Ice:TurnUsername and Signaling:Ice:TurnCredential go together"
        },
        {
            new() { ["Signaling:Ice:TurnUrls"] = "turn:t.example.test,http://t.example.test", ["Signaling:Ice:TurnSecret"] = Secret },
            "'http://t.example.test' is not a stun:, stuns:, turn: or turns: URL"
        },
        {
            new() { ["Signaling:Cors:Origins"] = "https://app.example.test,app.example.test/path" },
            "Signaling:Cors:Origins: 'app.example.test/path' is not an origin"
        },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void Settings_that_cannot_work_fail_the_start_with_a_message_naming_the_keys(Dictionary<string, string?> settings, string expected) =>
        Assert.Contains(expected, ProblemAssert.StartFailure(settings), StringComparison.Ordinal);

    private static async Task<IceServer[]> IceServersAsync(ISignalingHost host, string peer = "alice")
    {
        using var http = host.CreateHttpClient(Tokens.Create(peer));
        return (await http.GetFromJsonAsync<IceServer[]>(new Uri("/api/ice-servers", UriKind.Relative)))!;
    }
}
