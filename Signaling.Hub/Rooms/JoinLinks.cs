using Microsoft.Extensions.Options;
using Signaling.Hub.Common;

namespace Signaling.Hub.Rooms;

/// <summary>
/// Where the <c>joinLink</c> of a created room leads: the configured template; without one, the
/// browser call sample, which only Development serves; elsewhere nowhere (null), since a link
/// to a page that does not exist would only mislead.
/// </summary>
public sealed class JoinLinks(IOptionsMonitor<RoomOptions> options, IWebHostEnvironment environment)
{
    public const string Placeholder = "{roomId}";

    private readonly string? _sample = SamplePages.Served(environment).GetValueOrDefault(SamplePages.BrowserCall);

    public string? For(RoomRecord room, HttpRequest request)
    {
        var roomId = Uri.EscapeDataString(room.RoomId);
        if (options.CurrentValue.JoinLinkTemplate is { Length: > 0 } template)
        {
            return template.Replace(Placeholder, roomId, StringComparison.Ordinal);
        }

        if (_sample is null)
        {
            return null;
        }

        // The sample mints its dev token in the room's organization, which the room admits without a room token.
        var org = room.Org is null ? "" : "&org=" + Uri.EscapeDataString(room.Org);
        return $"{request.Scheme}://{request.Host}{request.PathBase}{_sample}?room={roomId}{org}";
    }

    internal static string? Check(RoomOptions o) =>
        o.JoinLinkTemplate is { Length: > 0 } template
        && (!template.Contains(Placeholder, StringComparison.Ordinal)
            || !Uri.TryCreate(template.Replace(Placeholder, "r-0", StringComparison.Ordinal), UriKind.Absolute, out var uri)
            || uri.Scheme is not ("http" or "https"))
            ? $"{RoomOptions.Section}:JoinLinkTemplate: '{template}' must be an absolute http(s) URL with {Placeholder} in it, like https://app.example.com/join/{Placeholder}"
            : null;
}
