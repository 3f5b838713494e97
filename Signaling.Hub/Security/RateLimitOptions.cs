using System.ComponentModel.DataAnnotations;

namespace Signaling.Hub.Security;

/// <summary>Configuration section <c>Signaling:RateLimits</c>.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "Signaling:RateLimits";

    /// <summary>Hub calls a connection earns per second.</summary>
    [Range(1, 1_000_000, ErrorMessage = "Signaling:RateLimits:HubPermitsPerSecond must be between 1 and 1000000")]
    public int HubPermitsPerSecond { get; set; } = 200;

    /// <summary>Hub calls a connection may make at once: ICE candidates come in bursts.</summary>
    [Range(1, 1_000_000, ErrorMessage = "Signaling:RateLimits:HubBurst must be between 1 and 1000000")]
    public int HubBurst { get; set; } = 1000;

    /// <summary>HTTP requests per client IP per minute (hub transport and health endpoints excluded).</summary>
    [Range(1, 1_000_000, ErrorMessage = "Signaling:RateLimits:HttpPermitsPerMinute must be between 1 and 1000000")]
    public int HttpPermitsPerMinute { get; set; } = 600;
}
