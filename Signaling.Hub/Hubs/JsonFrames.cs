using System.Buffers;
using System.Text.Json;
using Signaling.Contracts;

namespace Signaling.Hub.Hubs;

/// <summary>
/// JSON hub protocol frames end with a record separator. The JSON reader gives up on nesting beyond
/// its depth, a lone surrogate, or text that is not JSON at all.
/// </summary>
public sealed class JsonFrames : HubFrames
{
    public static readonly JsonFrames Instance = new();

    private const byte RecordSeparator = 0x1e;

    public override bool IsUnreadable(Exception exception) =>
        exception is JsonException or InvalidDataException or InvalidOperationException or ArgumentException or FormatException;

    public override bool TrySkip(ref ReadOnlySequence<byte> input, out FrameAddress address)
    {
        var end = input.PositionOf(RecordSeparator);
        var frame = end is { } at ? input.Slice(0, at) : input;
        input = end is { } position ? input.Slice(input.GetPosition(1, position)) : input.Slice(input.End);
        address = ReadAddress(frame);
        return true;
    }

    /// <summary>Only the serializer's own description is echoed: it names the JSON path.</summary>
    public override string Describe(Exception exception) => exception switch
    {
        JsonException or InvalidOperationException or ArgumentException or FormatException or InvalidDataException => exception.Message,
        _ => "the arguments could not be read",
    };

    /// <summary>Reads only the top-level <c>invocationId</c> and <c>target</c>, skipping every other value however deep.</summary>
    private static FrameAddress ReadAddress(ReadOnlySequence<byte> frame)
    {
        string? invocationId = null, target = null;
        try
        {
            var reader = new Utf8JsonReader(frame, new JsonReaderOptions { MaxDepth = ProtocolLimits.MaxHubMessageBytes });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return default;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                if (reader.TokenType == JsonTokenType.String && name is "invocationId" or "target")
                {
                    var value = reader.GetString();
                    if (value is { Length: <= ProtocolLimits.MaxIdLength })
                    {
                        (invocationId, target) = name == "invocationId" ? (value, target) : (invocationId, value);
                    }
                }
                else
                {
                    reader.Skip();
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException)
        {
            // Whatever was read before the broken part still addresses the answer.
        }

        return new FrameAddress(invocationId, target);
    }
}
