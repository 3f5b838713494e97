using System.Globalization;
using System.Net.Http.Json;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Signaling.Contracts.Http;
using Signaling.Hub.Common;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests;

/// <summary>
/// One rule for every duration setting: a bare number is seconds, anything else a TimeSpan
/// (<c>00:10:00</c>); what is neither stops the start, showing both forms.
/// </summary>
public sealed class DurationSettingsTests
{
    [Theory]
    [InlineData("600", 600)]
    [InlineData(" 90 ", 90)]
    [InlineData("1", 1)]
    [InlineData("0.5", 0.5)]
    [InlineData("00:10:00", 600)]
    [InlineData("7.00:00:00", 7 * 24 * 3600)]
    [InlineData("00:00:00.250", 0.25)]
    public void A_bare_number_is_seconds_and_a_timespan_is_a_timespan(string text, double seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), DurationSetting.Parse(text));

    /// <summary>
    /// Every duration key of every section, found by reflection so a key added later is covered too,
    /// set to twice its default in bare seconds (twice keeps each section's own rules, such as a
    /// timeout at least twice an interval, satisfied).
    /// </summary>
    [Fact]
    public void Every_duration_key_reads_a_bare_number_as_seconds()
    {
        var keys = DurationKeys().ToList();
        Assert.True(keys.Count >= 10, $"found only {keys.Count} duration keys");
        var settings = keys.ToDictionary(
            k => $"{k.Section}:{k.Property.Name}",
            k => (string?)(2 * k.Default).TotalSeconds.ToString(CultureInfo.InvariantCulture));
        using var app = new SignalingApplication(settings);

        var wrong = keys
            .Select(k => (Key: $"{k.Section}:{k.Property.Name}", Expected: 2 * k.Default, Actual: (TimeSpan)k.Property.GetValue(Bound(app, k.Options))!))
            .Where(k => k.Expected != k.Actual)
            .ToList();
        Assert.True(wrong.Count == 0, string.Join("; ", wrong.Select(k => $"{k.Key}={settings[k.Key]} read as {k.Actual}, not {k.Expected}")));
    }

    [Fact]
    public async Task A_room_token_lifetime_given_in_seconds_is_that_many_seconds()
    {
        using var app = new SignalingApplication(new Dictionary<string, string?> { ["Signaling:Jwt:RoomTokenLifetime"] = "90" });
        using var owner = app.CreateHttpClient(Tokens.Create("owner"));
        var room = (await (await owner.PostAsJsonAsync("/api/rooms", new { name = "Short", type = "voice" })).Content.ReadFromJsonAsync<CreateRoomResponse>())!;

        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var response = await owner.PostAsJsonAsync($"/api/rooms/{room.RoomId}/tokens", new RoomTokenRequest());
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        Assert.InRange((await response.Content.ReadFromJsonAsync<RoomTokenResponse>())!.ExpiresAt, before + 90_000, after + 90_000);
    }

    [Theory]
    [InlineData("Signaling:Rooms:EmptyRoomTimeout", "5m")]
    [InlineData("Signaling:Ice:TurnCredentialTtl", "one hour")]
    [InlineData("Signaling:Queue:MaxTtl", "99999999999999")]
    public void A_value_that_is_no_duration_fails_the_start_naming_the_key_and_showing_the_format(string key, string value)
    {
        var messages = ProblemAssert.StartFailure(new Dictionary<string, string?> { [key] = value });
        Assert.Contains(key, messages, StringComparison.Ordinal);
        Assert.Contains("seconds (600) or [d.]hh:mm:ss (00:10:00)", messages, StringComparison.Ordinal);
    }

    private static object Bound(SignalingApplication app, Type options)
    {
        var accessor = typeof(IOptions<>).MakeGenericType(options);
        return accessor.GetProperty(nameof(IOptions<object>.Value))!.GetValue(app.Services.GetRequiredService(accessor))!;
    }

    private static IEnumerable<(Type Options, string Section, PropertyInfo Property, TimeSpan Default)> DurationKeys() =>
        from type in typeof(Program).Assembly.GetTypes()
        let section = type.GetField("Section", BindingFlags.Public | BindingFlags.Static)
        where section is { IsLiteral: true } && type.GetConstructor(Type.EmptyTypes) is not null
        let defaults = Activator.CreateInstance(type)
        from property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
        where property.PropertyType == typeof(TimeSpan) && property.CanWrite
        select (type, (string)section.GetRawConstantValue()!, property, (TimeSpan)property.GetValue(defaults)!);
}
