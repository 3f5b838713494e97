using System.Text.Json;
using Signaling.Contracts;
using Signaling.Hub.Common;

namespace Signaling.Hub.Rooms;

/// <summary>Shallow merge and limits of a member's user data.</summary>
public static class UserDataRules
{
    /// <summary>Sets each key of <paramref name="patch"/>; a JSON null removes the key.</summary>
    public static Dictionary<string, JsonElement> Merge(IReadOnlyDictionary<string, JsonElement> current, IReadOnlyDictionary<string, JsonElement> patch)
    {
        var merged = new Dictionary<string, JsonElement>(current, StringComparer.Ordinal);
        foreach (var (key, value) in patch)
        {
            if (value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
            {
                merged.Remove(key);
            }
            else
            {
                // Clone: the element may point into a pooled buffer of the hub protocol.
                merged[key] = value.Clone();
            }
        }

        return merged;
    }

    public static IReadOnlyDictionary<string, JsonElement> Check(IReadOnlyDictionary<string, JsonElement> userData)
    {
        // The dictionary itself is depth 1.
        if (userData.Values.Any(v => Depth(v) + 1 > ProtocolLimits.MaxUserDataDepth))
        {
            throw RefusalException.InvalidArgument($"'userData' is nested deeper than {ProtocolLimits.MaxUserDataDepth} levels");
        }

        foreach (var (key, value) in userData)
        {
            Validate.WellFormedJson(value, $"userData.{key}");
        }

        var size = JsonSerializer.SerializeToUtf8Bytes(userData).Length;
        if (size > ProtocolLimits.MaxUserDataBytes)
        {
            throw RefusalException.TooLarge($"'userData' would be {size} bytes; the limit is {ProtocolLimits.MaxUserDataBytes}");
        }

        return userData;
    }

    public static Dictionary<string, JsonElement> Copy(IReadOnlyDictionary<string, JsonElement>? userData) =>
        Merge(new Dictionary<string, JsonElement>(), userData ?? new Dictionary<string, JsonElement>());

    private static int Depth(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => 1 + value.EnumerateObject().Select(p => Depth(p.Value)).DefaultIfEmpty(0).Max(),
        JsonValueKind.Array => 1 + value.EnumerateArray().Select(Depth).DefaultIfEmpty(0).Max(),
        _ => 0,
    };
}
