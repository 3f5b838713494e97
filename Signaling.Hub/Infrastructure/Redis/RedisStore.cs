using System.Globalization;
using System.Text;
using System.Text.Json;
using StackExchange.Redis;

namespace Signaling.Hub.Infrastructure.Redis;

/// <summary>What the Redis stores share: JSON settings, key composition and Lua helpers.</summary>
internal static class RedisStore
{
    /// <summary>
    /// Web defaults (camelCase, case-insensitive) because Lua scripts write some of the JSON
    /// (history entries) and must agree on property names with what C# reads.
    /// </summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Json);

    public static T Deserialize<T>(string json) => JsonSerializer.Deserialize<T>(json, Json)
        ?? throw new InvalidOperationException($"Redis holds null where a {typeof(T).Name} was stored");

    public static JsonElement ParseElement(string raw)
    {
        using var document = JsonDocument.Parse(raw);
        return document.RootElement.Clone();
    }

    /// <summary>
    /// Joins identifiers into one key part or set member. Every part but the last carries its
    /// length, so ("a:b", "c") and ("a", "b:c") never collide whatever the identifiers contain;
    /// a Lua script can append the last part to a base ending in the others.
    /// </summary>
    public static string Compose(params string[] parts)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < parts.Length - 1; i++)
        {
            builder.Append(parts[i].Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(parts[i]);
        }

        return builder.Append(parts[^1]).ToString();
    }

    /// <summary>The inverse of <see cref="Compose"/>.</summary>
    public static string[] Decompose(string value, int count)
    {
        var parts = new string[count];
        var position = 0;
        for (var i = 0; i < count - 1; i++)
        {
            var colon = value.IndexOf(':', position);
            var length = int.Parse(value.AsSpan(position, colon - position), CultureInfo.InvariantCulture);
            parts[i] = value.Substring(colon + 1, length);
            position = colon + 1 + length;
        }

        parts[^1] = value[position..];
        return parts;
    }

    public static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static long Long(RedisValue value) => long.Parse((string)value!, CultureInfo.InvariantCulture);

    /// <summary>A flat [field, value, ...] reply (HGETALL inside a script) as a dictionary.</summary>
    public static Dictionary<string, string> Hash(RedisResult result)
    {
        var items = (RedisResult[])result!;
        var hash = new Dictionary<string, string>(items.Length / 2, StringComparer.Ordinal);
        for (var i = 0; i + 1 < items.Length; i += 2)
        {
            hash[(string)items[i]!] = (string)items[i + 1]!;
        }

        return hash;
    }

    public static Dictionary<string, string> Hash(HashEntry[] entries) =>
        entries.ToDictionary(e => (string)e.Name!, e => (string)e.Value!, StringComparer.Ordinal);

    /// <summary>
    /// Appends a client history entry from inside a script. Built by concatenation rather than
    /// cjson so that millisecond timestamps are written as given, never in exponent form.
    /// </summary>
    public const string LuaHistory = """
        local function history(key, kind, at, requestId, detail)
          local entry = '{"type":"' .. kind .. '","at":' .. at
          if requestId then entry = entry .. ',"requestId":' .. cjson.encode(requestId) end
          if detail then entry = entry .. ',"detail":' .. cjson.encode(detail) end
          redis.call('RPUSH', key, entry .. '}')
        end

        """;

    /// <summary>Drops an instance from the set of instances with an index once its index is empty.</summary>
    public const string ForgetInstanceScript = """
        if redis.call('SCARD', KEYS[2]) == 0 then redis.call('SREM', KEYS[1], ARGV[1]) end
        return 0
        """;

    /// <summary>The instances to clean up after: the given one, or every one that has an index.</summary>
    public static async Task<IReadOnlyList<string>> InstancesAsync(IDatabase db, RedisKey allInstances, string? instanceId) =>
        instanceId is not null ? [instanceId] : (await db.SetMembersAsync(allInstances)).Select(v => (string)v!).ToList();
}
