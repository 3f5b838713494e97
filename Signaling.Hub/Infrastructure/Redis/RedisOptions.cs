namespace Signaling.Hub.Infrastructure.Redis;

/// <summary>Configuration section <c>Signaling:Redis</c>: the shared engine of a multi-instance deployment.</summary>
public sealed class RedisOptions
{
    public const string Section = "Signaling:Redis";

    /// <summary>
    /// A StackExchange.Redis configuration string or a <c>redis://</c> / <c>rediss://</c> URL (see
    /// <see cref="RedisConfiguration"/>); when set, instances fan out through Redis.
    /// </summary>
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
        : o.Enabled && Unusable(o.ConnectionString!) is { } reason
            ? $"{Section}:ConnectionString cannot be used ({reason}); give one such as 'redis://:password@redis.internal:6379/0' or 'redis.internal:6379,password=…'"
        : null;

    private static string? Unusable(string value)
    {
        try
        {
            RedisConfiguration.Parse(value);
            return null;
        }
        catch (FormatException ex)
        {
            return ex.Message;
        }
    }
}
