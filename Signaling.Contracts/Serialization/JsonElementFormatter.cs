using System.Buffers;
using System.Text.Json;
using MessagePack;
using MessagePack.Formatters;

namespace Signaling.Contracts.Serialization;

/// <summary>
/// Free-form JSON values as plain MessagePack: objects as maps, arrays, strings, integers, doubles,
/// booleans, nil. Binary and extension values (a JavaScript <c>Uint8Array</c> or <c>Date</c>) have no
/// JSON meaning and are refused, as are maps with keys that are not strings.
/// </summary>
internal sealed class JsonElementFormatter : IMessagePackFormatter<JsonElement>
{
    public static readonly JsonElementFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, JsonElement value, MessagePackSerializerOptions options)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                var count = 0;
                foreach (var _ in value.EnumerateObject())
                {
                    count++;
                }

                writer.WriteMapHeader(count);
                foreach (var property in value.EnumerateObject())
                {
                    writer.Write(property.Name);
                    Serialize(ref writer, property.Value, options);
                }

                break;
            case JsonValueKind.Array:
                writer.WriteArrayHeader(value.GetArrayLength());
                foreach (var item in value.EnumerateArray())
                {
                    Serialize(ref writer, item, options);
                }

                break;
            case JsonValueKind.String:
                writer.Write(value.GetString());
                break;
            case JsonValueKind.Number when value.TryGetInt64(out var integer):
                writer.Write(integer);
                break;
            case JsonValueKind.Number when value.TryGetUInt64(out var large):
                writer.Write(large);
                break;
            case JsonValueKind.Number when value.TryGetDouble(out var real):
                writer.Write(real);
                break;
            case JsonValueKind.Number:
                throw new MessagePackSerializationException($"the number {value.GetRawText()} is beyond a double's range");
            case JsonValueKind.True or JsonValueKind.False:
                writer.Write(value.GetBoolean());
                break;
            default:
                // Null, and Undefined: a JsonElement nobody set.
                writer.WriteNil();
                break;
        }
    }

    public JsonElement Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            Copy(ref reader, json, options);
        }

        var parser = new Utf8JsonReader(buffer.WrittenSpan);
        return JsonElement.ParseValue(ref parser);
    }

    private static void Copy(ref MessagePackReader reader, Utf8JsonWriter json, MessagePackSerializerOptions options)
    {
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Nil:
                reader.ReadNil();
                json.WriteNullValue();
                break;
            case MessagePackType.Boolean:
                json.WriteBooleanValue(reader.ReadBoolean());
                break;
            case MessagePackType.Integer when reader.NextCode == MessagePackCode.UInt64:
                json.WriteNumberValue(reader.ReadUInt64());
                break;
            case MessagePackType.Integer:
                json.WriteNumberValue(reader.ReadInt64());
                break;
            case MessagePackType.Float:
                var real = reader.ReadDouble();
                json.WriteNumberValue(double.IsFinite(real) ? real : throw new MessagePackSerializationException("NaN and infinities have no JSON form"));
                break;
            case MessagePackType.String:
                json.WriteStringValue(Utf8StringFormatter.Read(ref reader));
                break;
            case MessagePackType.Array:
                var length = reader.ReadArrayHeader();
                options.Security.DepthStep(ref reader);
                json.WriteStartArray();
                for (var i = 0; i < length; i++)
                {
                    Copy(ref reader, json, options);
                }

                json.WriteEndArray();
                reader.Depth--;
                break;
            case MessagePackType.Map:
                var count = reader.ReadMapHeader();
                options.Security.DepthStep(ref reader);
                json.WriteStartObject();
                for (var i = 0; i < count; i++)
                {
                    if (reader.NextMessagePackType != MessagePackType.String)
                    {
                        throw new MessagePackSerializationException("map keys must be strings, as in JSON objects");
                    }

                    json.WritePropertyName(Utf8StringFormatter.Read(ref reader));
                    Copy(ref reader, json, options);
                }

                json.WriteEndObject();
                reader.Depth--;
                break;
            default:
                throw new MessagePackSerializationException(
                    $"{reader.NextMessagePackType} values have no JSON form: use maps, arrays, strings, numbers, booleans or nil");
        }
    }
}
