using System.ComponentModel;
using System.Globalization;

namespace Signaling.Hub.Common;

/// <summary>
/// One rule for every duration setting: a bare number is seconds (<c>600</c>, <c>0.5</c>), anything
/// else is a <see cref="TimeSpan"/> (<c>00:10:00</c>, <c>7.00:00:00</c>). The configuration binder
/// alone reads <c>1</c> as one day, which nobody who writes <c>TurnCredentialTtl=1</c> means.
/// </summary>
public static class DurationSetting
{
    /// <summary>How a duration is written, for error messages.</summary>
    public const string Format = "seconds (600) or [d.]hh:mm:ss (00:10:00)";

    private static int _registered;

    /// <summary>
    /// The binder converts every <see cref="TimeSpan"/> it binds with the type's converter, so
    /// replacing that converter once covers every section, including ones added later, without
    /// each feature having to remember a rule of its own.
    /// </summary>
    public static WebApplicationBuilder AddSignalingDurations(this WebApplicationBuilder builder)
    {
        if (Interlocked.Exchange(ref _registered, 1) == 0)
        {
            TypeDescriptor.AddAttributes(typeof(TimeSpan), new TypeConverterAttribute(typeof(SecondsOrTimeSpanConverter)));
        }

        return builder;
    }

    /// <summary>Reads a duration by the rule above; null when <paramref name="text"/> is not one.</summary>
    public static TimeSpan? Parse(string text)
    {
        var trimmed = text.Trim();
        if (double.TryParse(trimmed, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds))
        {
            return Math.Abs(seconds) < TimeSpan.MaxValue.TotalSeconds ? TimeSpan.FromSeconds(seconds) : null;
        }

        return TimeSpan.TryParse(trimmed, CultureInfo.InvariantCulture, out var span) ? span : null;
    }

    private sealed class SecondsOrTimeSpanConverter : TimeSpanConverter
    {
        public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) =>
            value is string text
                ? Parse(text) ?? throw new FormatException($"'{text}' is not a duration: write {Format}")
                : base.ConvertFrom(context, culture, value);
    }
}
