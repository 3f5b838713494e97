using System.ComponentModel;
using System.Globalization;

namespace Signaling.Hub.Common;

/// <summary>
/// Reads an enum setting by name, ignoring case; a value that is none of them stops the start with
/// the names it could have been (the binder alone says only that the value was not found).
/// </summary>
public sealed class EnumSetting<T>() : EnumConverter(typeof(T)) where T : struct, Enum
{
    public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) =>
        value is string text
            ? Enum.TryParse<T>(text.Trim(), ignoreCase: true, out var parsed) && Enum.IsDefined(parsed)
                ? parsed
                : throw new FormatException($"'{text}' is not one of {string.Join(", ", Enum.GetNames<T>())}")
            : base.ConvertFrom(context, culture, value);
}
