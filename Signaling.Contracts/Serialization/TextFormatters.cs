using System.Reflection;
using System.Text;
using MessagePack;
using MessagePack.Formatters;

namespace Signaling.Contracts.Serialization;

/// <summary>
/// Strings that must be valid UTF-8, as in JSON: MessagePack's own reader would turn invalid bytes
/// into U+FFFD and pass them on, where the JSON protocol refuses them.
/// </summary>
internal sealed class Utf8StringFormatter : IMessagePackFormatter<string?>
{
    public static readonly Utf8StringFormatter Instance = new();

    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public void Serialize(ref MessagePackWriter writer, string? value, MessagePackSerializerOptions options) => writer.Write(value);

    public string? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) =>
        reader.TryReadNil() ? null : Read(ref reader);

    public static string Read(ref MessagePackReader reader)
    {
        var bytes = reader.ReadStringSequence()!.Value;
        try
        {
            return bytes.IsSingleSegment ? Strict.GetString(bytes.FirstSpan) : Strict.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new MessagePackSerializationException("a string is not valid UTF-8");
        }
    }
}

/// <summary>
/// A contract enum as its wire name (<c>"high"</c>, <c>"request_queued"</c>), as the JSON protocol
/// writes it. Reading accepts what the JSON protocol accepts: the name in any case, or the number.
/// </summary>
internal sealed class EnumNameFormatter<T> : IMessagePackFormatter<T>
    where T : struct, Enum
{
    private readonly Dictionary<T, string> _names = typeof(T)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .ToDictionary(f => (T)f.GetValue(null)!, JsonNames.Of);

    private readonly Dictionary<string, T> _values;

    public EnumNameFormatter() => _values = _names.ToDictionary(p => p.Value, p => p.Key, StringComparer.OrdinalIgnoreCase);

    public void Serialize(ref MessagePackWriter writer, T value, MessagePackSerializerOptions options)
    {
        if (_names.TryGetValue(value, out var name))
        {
            writer.Write(name);
        }
        else
        {
            writer.Write(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    public T Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.NextMessagePackType == MessagePackType.Integer)
        {
            return (T)Enum.ToObject(typeof(T), reader.ReadInt64());
        }

        var name = Utf8StringFormatter.Read(ref reader);
        return _values.TryGetValue(name, out var value)
            ? value
            : throw new MessagePackSerializationException($"'{name}' is not one of {string.Join(", ", _names.Values)}");
    }
}
