using System.ComponentModel.DataAnnotations;

namespace Signaling.Hub.Admin;

/// <summary>Configuration section <c>Signaling:Queue</c>: the admin connect-request queue.</summary>
public sealed class QueueOptions
{
    public const string Section = "Signaling:Queue";

    [Range(1, 100_000, ErrorMessage = "Signaling:Queue:MaxPerClient must be between 1 and 100000")]
    public int MaxPerClient { get; set; } = 100;

    public TimeSpan DefaultTtl { get; set; } = TimeSpan.FromHours(1);

    public TimeSpan MaxTtl { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// Longest time between two sweeps for expired requests. Requests expire on time without it;
    /// it bounds how late one goes whose instance stopped before its deadline.
    /// </summary>
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromSeconds(30);

    internal static string? Check(QueueOptions o) =>
        o.DefaultTtl <= TimeSpan.Zero || o.MaxTtl < o.DefaultTtl ? $"{Section}:DefaultTtl must be positive and at most {Section}:MaxTtl"
        : o.CleanupInterval < TimeSpan.FromSeconds(1) ? $"{Section}:CleanupInterval must be at least 00:00:01"
        : null;
}
