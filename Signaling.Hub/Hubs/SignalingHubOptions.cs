namespace Signaling.Hub.Hubs;

/// <summary>Configuration section <c>Signaling:Hub</c>: how the hub tells a live connection from a dead one.</summary>
public sealed class SignalingHubOptions
{
    public const string Section = "Signaling:Hub";

    /// <summary>How often the server pings an otherwise quiet connection; clients' server timeout must exceed it.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>A connection the server has heard nothing from (not even a ping) for this long is closed.</summary>
    public TimeSpan ClientTimeoutInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A timeout under twice the keep-alive drops a healthy client whose ping is a little late,
    /// which is why SignalR's own defaults are 15 s and 30 s.
    /// </summary>
    internal static string? Check(SignalingHubOptions o) =>
        o.KeepAliveInterval < TimeSpan.FromSeconds(1)
            ? $"{Section}:KeepAliveInterval must be at least 1 second: e.g. 15 or 00:00:15"
        : o.ClientTimeoutInterval < 2 * o.KeepAliveInterval
            ? $"{Section}:ClientTimeoutInterval ({o.ClientTimeoutInterval}) must be at least twice {Section}:KeepAliveInterval ({o.KeepAliveInterval}): e.g. {2 * o.KeepAliveInterval}"
        : null;
}
