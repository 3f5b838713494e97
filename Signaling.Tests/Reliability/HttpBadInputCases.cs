using System.Net;
using System.Text;
using System.Text.Json;
using Signaling.Contracts;
using Signaling.Tests.Infrastructure;
using static System.Net.HttpStatusCode;

namespace Signaling.Tests.Reliability;

/// <summary>The table of <see cref="HttpBadInputTests"/>: route × case → expected answer.</summary>
public static class HttpBadInputCases
{
    /// <summary>A request: <see cref="Path"/> may hold {room}, {file}, {client}, {request}; <see cref="Caller"/> names a fixture token, "" none.</summary>
    public sealed record Probe(string Method, string Path, string Caller, byte[]? Body = null, string? ContentType = null, string? Token = null);

    /// <summary>The answer: status, protocol code (null: none documented), whether a problem-details body comes, and checks of its own.</summary>
    /// <remarks><see cref="Changes"/>: the case succeeds by design and changes what its own check then verifies.</remarks>
    public sealed record Expect(HttpStatusCode Status, string? Code, bool Problem = true, Func<HttpBadInputFixture, string, Task>? Then = null, bool Changes = false);

    public sealed record Row(Probe Probe, Expect Expect);

    private static readonly Expect Invalid = new(BadRequest, ErrorCodes.InvalidArgument);
    private static readonly Expect Unauthenticated = new(Unauthorized, ErrorCodes.Unauthorized);
    private static readonly Expect Refused = new(HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
    private static readonly Expect TooLarge = new(RequestEntityTooLarge, ErrorCodes.PayloadTooLarge);
    private static readonly Expect NoSuchRoute = new(NotFound, null);
    private static readonly Expect NotJson = new(UnsupportedMediaType, null);

    /// <summary>Kestrel refuses a NUL in the decoded path before any middleware runs: status only, no body.</summary>
    private static readonly Expect NulInPath = new(BadRequest, null, Problem: false);

    /// <summary>Kestrel refuses a request line over its limit before any middleware runs: status only, no body.</summary>
    private static readonly Expect UriTooLong = new(RequestUriTooLong, null, Problem: false);

    private static readonly string Huge = new('a', 10_000_000);
    private static readonly string Long = new('a', 100_000);
    private static readonly string Deep = new string('[', 10_000) + new string(']', 10_000);

    private static readonly (string Name, string? Token)[] BadTokens =
    [
        ("no token", null),
        ("alg none", Tokens.AlgNone("mallory")),
        ("wrong key", Tokens.Create("mallory", roles: ["admin"], org: "acme", key: "another-key-of-enough-length-0123456789-abcdef")),
        ("expired", Tokens.Create("boss", roles: ["admin"], org: "acme", expires: DateTime.UtcNow.AddMinutes(-5), notBefore: DateTime.UtcNow.AddMinutes(-10))),
        ("wrong audience", Tokens.Create("boss", roles: ["admin"], org: "acme", audience: "someone-else")),
        ("nbf in the future", Tokens.Create("boss", roles: ["admin"], org: "acme", notBefore: DateTime.UtcNow.AddMinutes(10), expires: DateTime.UtcNow.AddMinutes(20))),
    ];

    /// <summary>Ids as they appear in the URL, already percent-encoded where they must be.</summary>
    private static readonly (string Name, string Id)[] BadIds =
    [
        ("path traversal ..%2F..%2Fetc%2Fpasswd", "..%2F..%2Fetc%2Fpasswd"),
        ("CR LF header injection", "x%0D%0AX-Injected:%201"),
        ("NUL", "x%00y"),
        ("invalid UTF-8 %C3%28", "x%C3%28"),
        ("129 characters", new string('i', ProtocolLimits.MaxIdLength + 1)),
        ("100,000 characters", Long),
    ];

    private static readonly Probe RoomsCreate = Json("POST", "/api/rooms", "owner", """{"name":"Probe"}""");
    private static readonly Probe RoomsList = new("GET", "/api/rooms", "owner");
    private static readonly Probe RoomGet = new("GET", "/api/rooms/{room}", "owner");
    private static readonly Probe RoomDelete = new("DELETE", "/api/rooms/{room}", "owner");
    private static readonly Probe RoomToken = Json("POST", "/api/rooms/{room}/tokens", "owner", """{"lifetimeMinutes":5}""");
    private static readonly byte[] Elf = [0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0];
    private static readonly Probe FileUpload = Multipart("/api/rooms/{room}/files", "alice", "probe.png", Elf);
    private static readonly Probe FileGet = new("GET", "/api/files/{file}", "alice");
    private static readonly Probe Clients = new("GET", "/api/admin/clients", "boss");
    private static readonly Probe History = new("GET", "/api/admin/clients/{client}/history", "boss");
    private static readonly Probe RequestCreate = Json("POST", "/api/admin/clients/{client}/connect-requests", "boss", """{"offerData":{"sdp":"probe"}}""");
    private static readonly Probe RequestCancel = new("DELETE", "/api/admin/connect-requests/{request}", "boss");
    private static readonly Probe Requests = new("GET", "/api/admin/connect-requests", "boss");
    private static readonly Probe Analytics = new("GET", "/api/admin/analytics", "boss");
    private static readonly Probe Ice = new("GET", "/api/ice-servers", "alice");
    private static readonly Probe Stats = new("GET", "/api/stats", "alice");
    private static readonly Probe Connections = new("GET", "/api/connections", "boss");
    private static readonly Probe DevTokens = Json("POST", "/api/dev/tokens", "", """{"sub":"probe"}""");

    private static readonly Probe[] Authenticated =
        [RoomsCreate, RoomsList, RoomGet, RoomDelete, RoomToken, FileUpload, FileGet, Clients, History, RequestCreate, RequestCancel, Requests, Analytics, Ice, Connections];

    private static readonly Probe[] AdminOnly = [Clients, History, RequestCreate, RequestCancel, Requests, Analytics, Connections];

    /// <summary>Keyed by route ("POST /api/rooms") and input ("body: not JSON").</summary>
    public static IReadOnlyDictionary<(string Route, string Input), Row> ByName { get; } = Build();

    private static Dictionary<(string, string), Row> Build()
    {
        var cases = new Dictionary<(string, string), Row>();
        void Add(Probe route, string what, Probe call, Expect expect) => cases.Add(($"{route.Method} {route.Path}", what), new(call, expect));

        foreach (var route in Authenticated)
        {
            foreach (var (name, token) in BadTokens)
            {
                Add(route, $"token: {name}", route with { Caller = "", Token = token }, Unauthenticated);
            }
        }

        // Public by default: a bad token is ignored, not an error.
        foreach (var (name, token) in BadTokens)
        {
            Add(Stats, $"token: {name}", Stats with { Caller = "", Token = token }, new(OK, null, Problem: false));
        }

        // A dot segment is removed by the server before routing, so the request lands on another path.
        var dotSegments = new Dictionary<Probe, Expect>
        {
            [RoomGet] = NoSuchRoute, [RoomDelete] = NoSuchRoute, [RoomToken] = NoSuchRoute, [FileUpload] = NoSuchRoute, [FileGet] = NoSuchRoute,
            [History] = NoSuchRoute, [RequestCancel] = NoSuchRoute, [RequestCreate] = new(MethodNotAllowed, null),
        };
        foreach (var (route, dots) in dotSegments)
        {
            var placeholder = route.Path[route.Path.IndexOf('{', StringComparison.Ordinal)..(route.Path.IndexOf('}', StringComparison.Ordinal) + 1)];
            foreach (var (name, id) in BadIds)
            {
                Add(route, $"id: {name}", route with { Path = route.Path.Replace(placeholder, id, StringComparison.Ordinal) }, id == Long ? UriTooLong : id.Contains("%00", StringComparison.Ordinal) ? NulInPath : Invalid);
            }

            Add(route, "id: dot segment %2e%2e", route with { Path = route.Path.Replace(placeholder, "%2e%2e", StringComparison.Ordinal) }, dots);
        }

        AddBodies(Add, RoomsCreate, wrongTypes: ["""{"name":5}""", """{"type":"hologram"}""", """{"maxParticipants":"ten"}"""], missing: "null",
            huge: $$"""{"name":"{{Huge}}"}""", longString: $$"""{"name":"{{Long}}"}""", deep: $$"""{"name":{{Deep}}}""", badUtf8: ("""{"name":"x""", "\"}"),
            extra: ("""{"name":"Extra","roomId":"chosen-id","org":"globex","createdBy":"mallory"}""", new(Created, null, Problem: false, ExtraRoomFieldsIgnored)));
        AddBodies(Add, RoomToken, wrongTypes: ["""{"lifetimeMinutes":"ten"}""", """{"lifetimeMinutes":99999999999}"""], missing: null,
            huge: $$"""{"lifetimeMinutes":"{{Huge}}"}""", longString: $$"""{"lifetimeMinutes":"{{Long}}"}""", deep: $$"""{"lifetimeMinutes":{{Deep}}}""",
            badUtf8: ("""{"lifetimeMinutes":"x""", "\"}"),
            extra: ("""{"lifetimeMinutes":5,"roomId":"other","role":"admin","roles":["admin"],"org":"globex"}""", new(OK, null, Problem: false, ExtraTokenFieldsIgnored)),
            emptyExpect: new(OK, null, Problem: false)); // the body is optional: { lifetimeMinutes? }
        AddBodies(Add, RequestCreate, wrongTypes: ["""{"offerData":{},"priority":"asap"}""", """{"offerData":{},"ttlSeconds":"soon"}"""], missing: "{}",
            huge: $$"""{"offerData":"{{Huge}}"}""", longString: $$"""{"offerData":"{{Long}}"}""", deep: $$"""{"offerData":{{Deep}}}""",
            badUtf8: ("""{"offerData":{"sdp":"x""", "\"}}"),
            extra: ("""{"offerData":{},"clientId":"victim","adminId":"mallory","org":"globex","status":"accepted"}""", new(Created, null, Problem: false, ExtraRequestFieldsIgnored, Changes: true)),
            hugeExpect: TooLarge, longExpect: TooLarge);
        AddBodies(Add, DevTokens, wrongTypes: ["""{"sub":5}""", """{"sub":"x","roles":"admin"}"""], missing: "{}",
            huge: $$"""{"sub":"{{Huge}}"}""", longString: $$"""{"sub":"{{Long}}"}""", deep: $$"""{"sub":{{Deep}}}""", badUtf8: ("""{"sub":"x""", "\"}"),
            extra: ("""{"sub":"probe","role":"admin","isAdmin":true}""", new(OK, null, Problem: false, ExtraTokenFieldsIgnored)));

        // Names end up in answers and logs, never in headers, but control characters are refused outright.
        foreach (var (name, value) in new[] { ("CR LF", @"x\r\nX-Injected: 1"), ("NUL", @"x\u0000y") })
        {
            Add(RoomsCreate, $"body: {name} in the name", RoomsCreate with { Body = Encoding.UTF8.GetBytes($$"""{"name":"{{value}}"}""") }, Invalid);
            Add(DevTokens, $"body: {name} in the name", DevTokens with { Body = Encoding.UTF8.GetBytes($$"""{"sub":"probe","name":"{{value}}"}""") }, Invalid);
            Add(DevTokens, $"body: {name} in the sub", DevTokens with { Body = Encoding.UTF8.GetBytes($$"""{"sub":"{{value}}"}""") }, Invalid);
        }

        Add(RoomsList, "limit not a number", RoomsList with { Path = "/api/rooms?limit=ten" }, Invalid);
        Add(RoomsList, "limit 1000", RoomsList with { Path = "/api/rooms?limit=1000" }, Invalid);
        Add(RoomsList, "limit beyond int", RoomsList with { Path = "/api/rooms?limit=99999999999" }, Invalid);
        Add(RoomsList, "offset -1", RoomsList with { Path = "/api/rooms?offset=-1" }, Invalid);
        Add(Requests, "limit 0", Requests with { Path = "/api/admin/connect-requests?limit=0" }, Invalid);
        Add(Requests, "limit not a number", Requests with { Path = "/api/admin/connect-requests?limit=ten" }, Invalid);

        AddUploads(Add);
        AddOtherOrganizations(Add);

        foreach (var route in AdminOnly)
        {
            Add(route, "role client", route with { Caller = "device" }, Refused);
            Add(route, "room token", route with { Caller = "guest" }, Refused);
        }

        Add(RoomsList, "room token", RoomsList with { Caller = "guest" }, Refused);
        Add(RoomsCreate, "room token", RoomsCreate with { Caller = "guest" }, Refused);
        Add(RoomDelete, "room token of that room", RoomDelete with { Caller = "guest" }, Refused);
        Add(RoomToken, "room token of that room", RoomToken with { Caller = "guest" }, Refused);
        return cases;
    }

    private static void AddBodies(
        Action<Probe, string, Probe, Expect> add, Probe route, string[] wrongTypes, string? missing, string huge, string longString, string deep,
        (string Before, string After) badUtf8, (string Body, Expect Expect) extra, Expect? hugeExpect = null, Expect? longExpect = null, Expect? emptyExpect = null)
    {
        foreach (var wrongType in wrongTypes)
        {
            add(route, $"body: {wrongType}", route with { Body = Encoding.UTF8.GetBytes(wrongType) }, Invalid);
        }

        if (missing is not null)
        {
            add(route, $"body: missing fields {missing}", route with { Body = Encoding.UTF8.GetBytes(missing) }, Invalid);
        }

        add(route, "body: extra fields", route with { Body = Encoding.UTF8.GetBytes(extra.Body) }, extra.Expect);
        add(route, "body: not JSON", route with { Body = "not json"u8.ToArray() }, Invalid);
        add(route, "body: empty", route with { Body = [] }, emptyExpect ?? Invalid);
        foreach (var (name, bytes) in new (string, byte[])[] { ("C3 28", [0xC3, 0x28]), ("FF", [0xFF]), ("overlong C0 AF", [0xC0, 0xAF]) })
        {
            add(route, $"body: invalid UTF-8 {name} in a string", route with { Body = [.. Encoding.UTF8.GetBytes(badUtf8.Before), .. bytes, .. Encoding.UTF8.GetBytes(badUtf8.After)] }, Invalid);
        }

        add(route, "body: 10 MB value", route with { Body = Encoding.UTF8.GetBytes(huge) }, hugeExpect ?? Invalid);
        add(route, "body: 100,000-character string", route with { Body = Encoding.UTF8.GetBytes(longString) }, longExpect ?? Invalid);
        add(route, "body: nested 10,000 deep", route with { Body = Encoding.UTF8.GetBytes(deep) }, Invalid);
        add(route, "body: content type text/plain", route with { ContentType = "text/plain" }, NotJson);
    }

    private static void AddUploads(Action<Probe, string, Probe, Expect> add)
    {
        byte[] Part(string headers, byte[] content, bool close = true) =>
            [.. Encoding.UTF8.GetBytes($"--b0undary\r\n{headers}\r\n\r\n"), .. content, .. (close ? "\r\n--b0undary--\r\n"u8.ToArray() : [])];
        const string Disposition = "Content-Disposition: form-data; name=\"file\"; filename=";
        add(FileUpload, "an executable named .png", FileUpload, Invalid);
        add(FileUpload, "body: JSON, not a form", FileUpload with { Body = "{}"u8.ToArray(), ContentType = "application/json" }, Invalid);
        add(FileUpload, "body: multipart without a boundary", FileUpload with { ContentType = "multipart/form-data" }, Invalid);
        add(FileUpload, "body: a form without a file", FileUpload with { Body = Part("Content-Disposition: form-data; name=\"text\"", "hello"u8.ToArray()) }, Invalid);
        add(FileUpload, "body: form cut off before its end", FileUpload with { Body = Part(Disposition + "\"cut.png\"", Elf, close: false) }, Invalid);
        add(FileUpload, "body: part headers over 16 KB", FileUpload with { Body = Part(Disposition + "\"" + new string('h', 20_000) + ".png\"", Elf) }, Invalid);
        add(FileUpload, "body: CR LF injection in the file name", FileUpload with { Body = Part("Content-Disposition: form-data; name=\"file\"; filename*=UTF-8''a%0D%0AX-Injected%3A%201.png", Elf) }, Invalid);
        add(FileUpload, "body: invalid UTF-8 in the file name", FileUpload with { Body = [.. Encoding.UTF8.GetBytes("--b0undary\r\n" + Disposition + "\"a"), 0xFF, 0xC0, .. Encoding.UTF8.GetBytes(".png\"\r\n\r\n"), .. Elf, .. "\r\n--b0undary--\r\n"u8.ToArray()] }, Invalid);
        add(FileUpload, "body: 10 MB that is no known type", FileUpload with { Body = Part(Disposition + "\"big.png\"", new byte[10_000_000]) }, Invalid);
    }

    private static void AddOtherOrganizations(Action<Probe, string, Probe, Expect> add)
    {
        Expect Hidden(string code) => new(NotFound, code);
        Expect Listed(Func<HttpBadInputFixture, string, bool> leaks) => new(OK, null, Problem: false, (fixture, body) =>
        {
            Assert.False(leaks(fixture, body), $"another organization's data in: {body}");
            return Task.CompletedTask;
        });

        add(RoomsList, "another organization", RoomsList with { Caller = "rival" }, Listed((f, body) => body.Contains(f.RoomId, StringComparison.Ordinal)));
        add(RoomsList, "no organization", RoomsList with { Caller = "loner" }, Listed((f, body) => body.Contains(f.RoomId, StringComparison.Ordinal)));
        add(RoomGet, "another organization's admin", RoomGet with { Caller = "rival" }, Hidden(ErrorCodes.RoomNotFound));
        add(RoomGet, "another organization's member", RoomGet with { Caller = "gus" }, Hidden(ErrorCodes.RoomNotFound));
        add(RoomDelete, "another organization's admin", RoomDelete with { Caller = "rival" }, Hidden(ErrorCodes.RoomNotFound));
        add(RoomDelete, "a member who did not create it", RoomDelete with { Caller = "alice" }, Refused);
        add(RoomToken, "another organization's admin", RoomToken with { Caller = "rival" }, Hidden(ErrorCodes.RoomNotFound));
        add(RoomToken, "a member who did not create it", RoomToken with { Caller = "alice" }, Refused);
        add(FileUpload, "another organization's member", FileUpload with { Caller = "gus" }, Refused);
        add(FileGet, "another organization's admin", FileGet with { Caller = "rival" }, Refused);
        add(FileGet, "no organization", FileGet with { Caller = "loner" }, Refused);
        add(Clients, "another organization", Clients with { Caller = "rival" }, Listed((_, body) => body.Contains("device", StringComparison.Ordinal)));
        add(History, "another organization", History with { Caller = "rival" }, Hidden(ErrorCodes.ClientNotFound));
        add(RequestCreate, "another organization", RequestCreate with { Caller = "rival" }, Hidden(ErrorCodes.ClientNotFound));
        add(RequestCancel, "another organization", RequestCancel with { Caller = "rival" }, Hidden(ErrorCodes.RequestNotFound));
        add(Requests, "another organization", Requests with { Caller = "rival" }, Listed((f, body) => body.Contains(f.RequestId, StringComparison.Ordinal)));
        add(Analytics, "another organization", Analytics with { Caller = "rival" }, Listed((_, body) => JsonDocument.Parse(body).RootElement.GetProperty("total").GetInt32() != 0));
        add(Connections, "another organization", Connections with { Caller = "rival" }, Listed((_, body) => body.Contains("alice", StringComparison.Ordinal)));
    }

    /// <summary>Unknown fields are ignored: the room is the caller's, in the caller's organization, under a server-chosen id.</summary>
    private static async Task ExtraRoomFieldsIgnored(HttpBadInputFixture fixture, string body)
    {
        var created = JsonSerializer.Deserialize<Contracts.Http.CreateRoomResponse>(body, JsonSerializerOptions.Web)!;
        Assert.NotEqual("chosen-id", created.RoomId);
        Assert.Equal("owner", created.Room.CreatedBy);
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.Http("rival").GetAsync($"/api/rooms/{created.RoomId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await fixture.Http("owner").DeleteAsync($"/api/rooms/{created.RoomId}")).StatusCode);
    }

    /// <summary>A minted token carries no role, organization or room the body tried to add.</summary>
    private static Task ExtraTokenFieldsIgnored(HttpBadInputFixture fixture, string body)
    {
        var token = JsonDocument.Parse(body).RootElement.GetProperty("token").GetString()!;
        var claims = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(token).Claims.ToList();
        Assert.DoesNotContain(claims, c => c.Type == "role" || c.Value is "admin" or "globex" or "other");
        return Task.CompletedTask;
    }

    /// <summary>
    /// The request goes to the client in the path, from the caller, queued. It is cancelled
    /// afterwards, but stays listed as cancelled: the one case that leaves a trace, by design.
    /// </summary>
    private static async Task ExtraRequestFieldsIgnored(HttpBadInputFixture fixture, string body)
    {
        var result = JsonSerializer.Deserialize<Contracts.Admin.ConnectRequestResult>(body, JsonSerializerOptions.Web)!;
        Assert.Equal(("device", Contracts.Admin.ConnectDispatchStatus.Queued), (result.ClientId, result.Status));
        Assert.Equal(HttpStatusCode.NoContent, (await fixture.Http("boss").DeleteAsync($"/api/admin/connect-requests/{result.RequestId}")).StatusCode);
    }

    private static Probe Json(string method, string path, string caller, string body) => new(method, path, caller, Encoding.UTF8.GetBytes(body), "application/json");

    private static Probe Multipart(string path, string caller, string fileName, byte[] content) => new(
        "POST", path, caller,
        [.. Encoding.UTF8.GetBytes($"--b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{fileName}\"\r\nContent-Type: image/png\r\n\r\n"),
         .. content, .. "\r\n--b0undary--\r\n"u8.ToArray()],
        "multipart/form-data; boundary=b0undary");
}
