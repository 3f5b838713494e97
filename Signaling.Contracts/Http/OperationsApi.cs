using System.Text.Json.Serialization;

namespace Signaling.Contracts.Http;

/// <summary>Answer of <c>GET /</c>: what this service is and where its operations routes are.</summary>
/// <param name="Name">The service's name, <c>Signaling</c>.</param>
/// <param name="Version">The running build's version.</param>
/// <param name="Links">Paths of the operations routes, relative to the service's base address.</param>
public sealed record ServiceDocument(string Name, string Version, ServiceLinks Links);

/// <summary>Paths of the operations routes, relative to the service's base address.</summary>
/// <param name="Health">This instance's health with its figures (<c>/health</c>).</param>
/// <param name="Live">Liveness (<c>/health/live</c>).</param>
/// <param name="Ready">Readiness (<c>/health/ready</c>).</param>
/// <param name="Stats">Cluster-wide figures (<c>/api/stats</c>).</param>
/// <param name="OpenApi">The OpenAPI document of every HTTP route.</param>
/// <param name="Hub">The SignalR hub.</param>
/// <param name="Samples">The sample pages by name; only in the Development environment when they are served, else <see langword="null"/>.</param>
public sealed record ServiceLinks(
    string Health,
    string Live,
    string Ready,
    string Stats,
    string OpenApi,
    string Hub,
    IReadOnlyDictionary<string, string>? Samples);

/// <summary>Answer of <c>GET /health</c>: this instance's readiness and figures, for scripts and dashboards.</summary>
/// <param name="Status">The readiness checks' verdict (the store and, with Redis, the backplane); 503 goes with <see cref="ServiceHealth.Unhealthy"/>.</param>
/// <param name="Version">The running build's version.</param>
/// <param name="UptimeSeconds">Seconds since this instance started.</param>
/// <param name="Memory">This process's memory.</param>
/// <param name="Connections">Hub connections open on this instance.</param>
/// <param name="Rooms">Rooms with an active member on this instance.</param>
public sealed record HealthSummary(
    ServiceHealth Status,
    string Version,
    long UptimeSeconds,
    MemoryUsage Memory,
    long Connections,
    long Rooms);

/// <summary>Memory of the process.</summary>
/// <param name="RssBytes">Resident set size (physical memory mapped to the process).</param>
/// <param name="ManagedBytes">Bytes the .NET garbage collector holds for live and not yet collected objects.</param>
public sealed record MemoryUsage(long RssBytes, long ManagedBytes);

/// <summary>Verdict of the readiness checks.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ServiceHealth>))]
public enum ServiceHealth
{
    /// <summary>Every check passed.</summary>
    [JsonStringEnumMemberName("healthy")] Healthy,

    /// <summary>The service works with reduced capability.</summary>
    [JsonStringEnumMemberName("degraded")] Degraded,

    /// <summary>A dependency the service needs is unreachable; <c>/health</c> answers 503.</summary>
    [JsonStringEnumMemberName("unhealthy")] Unhealthy,
}
