namespace Signaling.Hub.Scaling;

/// <summary>Configuration section <c>Signaling:Redis</c>: the shared engine of a multi-instance deployment.</summary>
public sealed class RedisOptions
{
    public const string Section = "Signaling:Redis";

    /// <summary>A StackExchange.Redis configuration string; when set, instances fan out through Redis.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Prefix of every key and channel, so several deployments (or test runs) can share one Redis.</summary>
    public string KeyPrefix { get; set; } = "signaling:";

    /// <summary>How often an instance renews its liveness record.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>An instance silent for this long is dead: survivors clean up after it.</summary>
    public TimeSpan InstanceTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public bool Enabled => !string.IsNullOrWhiteSpace(ConnectionString);

    internal static string? Check(RedisOptions o) =>
        o.HeartbeatInterval < TimeSpan.FromMilliseconds(100) ? $"{Section}:HeartbeatInterval must be at least 00:00:00.1"
        : o.InstanceTimeout < 2 * o.HeartbeatInterval ? $"{Section}:InstanceTimeout must be at least twice {Section}:HeartbeatInterval"
        : string.IsNullOrEmpty(o.KeyPrefix) ? $"{Section}:KeyPrefix must not be empty"
        : o.Enabled && !TryParse(o.ConnectionString!) ? $"{Section}:ConnectionString is not a valid Redis configuration string"
        : null;

    private static bool TryParse(string value)
    {
        try
        {
            return StackExchange.Redis.ConfigurationOptions.Parse(value).EndPoints.Count > 0;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
