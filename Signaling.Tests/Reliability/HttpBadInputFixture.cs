using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Signaling.Contracts.Admin;
using Signaling.Contracts.Http;
using Signaling.Contracts.Rooms;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests.Reliability;

/// <summary>
/// One service with something to protect in organization <c>acme</c> (a room with an active
/// member and a shared file, a known device with a queued request) and callers of every kind,
/// for <see cref="HttpBadInputTests"/>.
/// </summary>
public sealed class HttpBadInputFixture : IAsyncLifetime
{
    /// <summary>What only acme may see: none of it may appear in an answer to anyone else.</summary>
    public static readonly string[] AcmeSecrets = ["Acme board meeting", "Alice Acme", "acme-plan.png", "Acme Device", "acme-offer-secret"];

    private static readonly byte[] Png = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");

    private readonly ConcurrentDictionary<string, HttpClient> _clients = new();

    // Each case makes a dozen calls (the case, the before and after views, the health checks) from one address.
    public SignalingApplication App { get; } = new(new Dictionary<string, string?> { ["Signaling:RateLimits:HttpPermitsPerMinute"] = "1000000" });

    private readonly Dictionary<string, string> _callers = new()
    {
        ["owner"] = Tokens.Create("owner", org: "acme"),
        ["alice"] = Tokens.Create("alice", name: "Alice Acme", org: "acme"),
        ["boss"] = Tokens.Create("boss", roles: ["admin"], org: "acme"),
        ["device"] = Tokens.Create("device", name: "Acme Device", roles: ["client"], org: "acme"),
        ["rival"] = Tokens.Create("rival", roles: ["admin"], org: "globex"),
        ["gus"] = Tokens.Create("gus", org: "globex"),
        ["loner"] = Tokens.Create("loner"),
    };

    /// <summary>
    /// Tokens by caller name: the room's creator, its member, an admin and a device of acme, an
    /// admin and a member of globex, a member of no organization, and a guest with a room token.
    /// </summary>
    public IReadOnlyDictionary<string, string> Callers => _callers;

    public string RoomId { get; private set; } = "";

    public string FileId { get; private set; } = "";

    public string RequestId { get; private set; } = "";

    public TestPeer Alice { get; private set; } = null!;

    public HttpClient Http(string caller) => _clients.GetOrAdd(caller, c => App.CreateHttpClient(c.Length == 0 ? null : Callers[c]));

    public string Resolve(string path) => path
        .Replace("{room}", RoomId, StringComparison.Ordinal)
        .Replace("{file}", FileId, StringComparison.Ordinal)
        .Replace("{client}", "device", StringComparison.Ordinal)
        .Replace("{request}", RequestId, StringComparison.Ordinal);

    public async Task InitializeAsync()
    {
        var room = await Http("owner").PostAsJsonAsync("/api/rooms", new CreateRoomRequest("Acme board meeting"));
        RoomId = (await room.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<CreateRoomResponse>())!.RoomId;

        // A room outside any organization: a room token (which carries none) must not list it.
        (await Http("loner").PostAsJsonAsync("/api/rooms", new CreateRoomRequest("Loner's den"))).EnsureSuccessStatusCode();
        var invitation = await Http("owner").PostAsJsonAsync($"/api/rooms/{RoomId}/tokens", new RoomTokenRequest());
        _callers["guest"] = (await invitation.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<RoomTokenResponse>())!.Token;

        Alice = await App.ConnectAsync(Callers["alice"]);
        await Alice.Client.JoinRoom(new JoinRoomRequest(RoomId));
        var part = new ByteArrayContent(Png) { Headers = { ContentType = new MediaTypeHeaderValue("image/png") } };
        var upload = await Http("alice").PostAsync($"/api/rooms/{RoomId}/files", new MultipartFormDataContent { { part, "file", "acme-plan.png" } });
        FileId = (await upload.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<SharedFile>())!.FileId;

        // The device is known and offline, so a request to it stays queued for the whole suite.
        await (await App.ConnectAsync(Callers["device"])).DisposeAsync();
        await Eventually.Until(async () => (await Http("boss").GetFromJsonAsync<ClientSummary[]>("/api/admin/clients"))!
            .Any(c => c.ClientId == "device" && c.Status == ClientStatus.Offline), what: "device offline");
        var queued = await Http("boss").PostAsJsonAsync("/api/admin/clients/device/connect-requests",
            new CreateConnectRequestBody(System.Text.Json.JsonDocument.Parse("\"acme-offer-secret\"").RootElement));
        RequestId = (await queued.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<ConnectRequestResult>())!.RequestId;
    }

    /// <summary>Everything a refused request must leave as it was, as its owners see it.</summary>
    public async Task<string> SnapshotAsync()
    {
        var views = new List<string>();
        foreach (var (caller, path) in new[]
        {
            ("owner", "/api/rooms"), ("rival", "/api/rooms"), ("gus", "/api/rooms"), ("loner", "/api/rooms"), ("owner", $"/api/rooms/{RoomId}"),
            ("boss", "/api/admin/clients"), ("boss", "/api/admin/connect-requests"), ("boss", "/api/admin/analytics"),
            ("rival", "/api/admin/clients"), ("rival", "/api/admin/connect-requests"),
        })
        {
            using var response = await Http(caller).GetAsync(path);
            views.Add($"{caller} GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        var files = Path.Combine(App.DataDirectory, "files");
        views.Add($"stored files: {(Directory.Exists(files) ? Directory.GetFiles(files, "*", SearchOption.AllDirectories).Length : 0)}");
        return string.Join('\n', views);
    }

    public async Task DisposeAsync()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }

        await Alice.DisposeAsync();
        App.Dispose();
    }
}
