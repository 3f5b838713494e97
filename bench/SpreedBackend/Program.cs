using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

// The Nextcloud side of nextcloud-spreed-signaling, reduced to what a relay bench needs: every
// hello is authenticated (as the user id the client put in its auth params) and every room can be
// joined. The server calls this only on hello, room join/leave and its periodic room pings, never
// per relayed message, so its CPU is not part of the relay cost.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
var secret = builder.Configuration["Spreed:Secret"];
if (string.IsNullOrEmpty(secret))
{
    Console.Error.WriteLine("--Spreed:Secret=<the backend secret of the signaling server's config> is required");
    return 2;
}

var key = Encoding.UTF8.GetBytes(secret);
var app = builder.Build();

app.MapGet("/health", () => "ok");

// The server reads capabilities before backend requests (to pick the signaling API version):
// answering with no "signaling-v3" feature keeps the backend URL the client gave.
app.MapGet("/ocs/v2.php/cloud/capabilities", () => Ocs(new JsonObject
{
    ["version"] = new JsonObject { ["major"] = 25, ["minor"] = 0, ["micro"] = 0, ["string"] = "25.0.0" },
    ["capabilities"] = new JsonObject
    {
        ["spreed"] = new JsonObject { ["features"] = new JsonArray("audio", "video"), ["config"] = new JsonObject() },
    },
}));

app.MapPost("/ocs/v2.php/apps/spreed/api/v1/signaling/backend", async (HttpRequest request) =>
{
    using var buffer = new MemoryStream();
    await request.Body.CopyToAsync(buffer);
    var body = buffer.ToArray();

    // Checked as Nextcloud checks it, so a wrong secret in the generated config fails loudly here.
    var random = request.Headers["Spreed-Signaling-Random"].ToString();
    var checksum = request.Headers["Spreed-Signaling-Checksum"].ToString();
    if (!ChecksumMatches(key, random, body, checksum))
    {
        return Ocs(Error("invalid_request", "bad Spreed-Signaling-Checksum"), 403);
    }

    var message = JsonNode.Parse(body)?.AsObject();
    var type = message?["type"]?.GetValue<string>() ?? "";
    var inner = message?[type] as JsonObject;
    switch (type)
    {
        case "auth":
            var userId = inner?["params"]?["userid"]?.GetValue<string>();
            if (string.IsNullOrEmpty(userId))
            {
                return Ocs(Error("auth-failed", "params.userid is required"));
            }

            return Ocs(new JsonObject
            {
                ["type"] = "auth",
                ["auth"] = new JsonObject
                {
                    ["version"] = "1.0",
                    ["userid"] = userId,
                    ["user"] = new JsonObject { ["displayname"] = userId },
                },
            });
        case "room":
            // Joins and leaves alike; "type": 3 is a public conversation in Talk's terms.
            return Ocs(new JsonObject
            {
                ["type"] = "room",
                ["room"] = new JsonObject
                {
                    ["version"] = "1.0",
                    ["roomid"] = inner?["roomid"]?.DeepClone(),
                    ["properties"] = new JsonObject { ["name"] = inner?["roomid"]?.DeepClone(), ["type"] = 3 },
                },
            });
        case "ping":
            // The server's periodic "these sessions are still in the room" report.
            return Ocs(new JsonObject
            {
                ["type"] = "ping",
                ["ping"] = new JsonObject { ["version"] = "1.0", ["roomid"] = inner?["roomid"]?.DeepClone() },
            });
        default:
            return Ocs(Error("unsupported", $"request type '{type}' is not faked"));
    }
});

app.Run();
return 0;

static bool ChecksumMatches(byte[] key, string random, byte[] body, string checksum)
{
    if (random.Length == 0 || checksum.Length != 64)
    {
        return false;
    }

    using var hmac = new HMACSHA256(key);
    hmac.TransformBlock(Encoding.UTF8.GetBytes(random), 0, Encoding.UTF8.GetByteCount(random), null, 0);
    hmac.TransformFinalBlock(body, 0, body.Length);
    return CryptographicOperations.FixedTimeEquals(
        Encoding.ASCII.GetBytes(Convert.ToHexStringLower(hmac.Hash!)),
        Encoding.ASCII.GetBytes(checksum.ToLowerInvariant()));
}

static JsonObject Error(string code, string message) => new()
{
    ["type"] = "error",
    ["error"] = new JsonObject { ["code"] = code, ["message"] = message },
};

// Nextcloud wraps every OCS answer in this envelope, and the server unwraps it for requests sent
// with OCS-APIRequest (all of its backend requests).
static IResult Ocs(JsonObject data, int status = 200) => Results.Text(
    new JsonObject
    {
        ["ocs"] = new JsonObject
        {
            ["meta"] = new JsonObject { ["status"] = status == 200 ? "ok" : "failure", ["statuscode"] = status, ["message"] = status == 200 ? "OK" : "" },
            ["data"] = data,
        },
    }.ToJsonString(),
    "application/json",
    Encoding.UTF8,
    status);
