using System.Text.Json;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using Signaling.Contracts;

namespace Signaling.Hub.Common;

/// <summary>Argument checks shared by the hub and the HTTP endpoints; each failure is a protocol error code.</summary>
public static class Validate
{
    public static T NotNull<T>([NotNull] T? value, string name) where T : class =>
        value ?? throw RefusalException.InvalidArgument($"'{name}' is required");

    public static string Id([NotNull] string? value, string name)
    {
        if (value is null || !ProtocolLimits.IsValidId(value))
        {
            throw RefusalException.InvalidArgument(
                $"'{name}' must be 1-{ProtocolLimits.MaxIdLength} characters of A-Z a-z 0-9 . _ - : @");
        }

        return value;
    }

    public static string? DisplayName(string? value)
    {
        if (value is null)
        {
            return null;
        }

        if (value.Length > ProtocolLimits.MaxDisplayNameLength || value.Any(char.IsControl))
        {
            throw RefusalException.InvalidArgument(
                $"'displayName' must be at most {ProtocolLimits.MaxDisplayNameLength} characters without control characters");
        }

        return value;
    }

    /// <summary>Checks a string's UTF-8 size without encoding it when its length already decides.</summary>
    public static string Utf8Size([NotNull] string? value, string name, int maxBytes)
    {
        if (value is null)
        {
            throw RefusalException.InvalidArgument($"'{name}' is required");
        }

        // A UTF-16 char encodes to 1-3 UTF-8 bytes, so most values are decided by length alone.
        if (value.Length > maxBytes || (value.Length * 3 > maxBytes && Encoding.UTF8.GetByteCount(value) > maxBytes))
        {
            throw RefusalException.TooLarge($"'{name}' is larger than {maxBytes} bytes");
        }

        return value;
    }

    /// <summary>
    /// Free-form JSON (user data, offer and answer data) is kept as it arrived; a lone surrogate
    /// escape in it ("\ud800") would only fail later, when it is stored or sent on, as an
    /// internal error, and a number beyond a double (1e400) has no value for JavaScript or
    /// MessagePack receivers. Every string, property name and number is read once here to refuse
    /// them up front.
    /// </summary>
    public static void WellFormedJson(JsonElement value, string name)
    {
        try
        {
            Walk(value);
        }
        catch (InvalidOperationException)
        {
            throw RefusalException.InvalidArgument($"'{name}' contains text that is not valid Unicode");
        }
        catch (OverflowException)
        {
            throw RefusalException.InvalidArgument($"'{name}' contains a number beyond the range of a double");
        }

        static void Walk(JsonElement element)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.String:
                    _ = element.GetString();
                    break;
                case JsonValueKind.Number when !(element.TryGetDouble(out var number) && double.IsFinite(number)):
                    throw new OverflowException();
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        _ = property.Name;
                        Walk(property.Value);
                    }

                    break;
                case JsonValueKind.Array:
                    foreach (var item in element.EnumerateArray())
                    {
                        Walk(item);
                    }

                    break;
            }
        }
    }
}
