using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Signaling.Contracts.Serialization;

/// <summary>The names the JSON hub protocol gives members and enum values, so that MessagePack uses the very same.</summary>
internal static class JsonNames
{
    /// <summary>SignalR's JSON protocol names members in camelCase unless the member says otherwise.</summary>
    public static string Of(PropertyInfo property) =>
        property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(property.Name);

    /// <summary>The contract's enums carry their wire names (<c>[JsonStringEnumMemberName]</c>).</summary>
    public static string Of(FieldInfo enumValue) =>
        enumValue.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? enumValue.Name;
}
