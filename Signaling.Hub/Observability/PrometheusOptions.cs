using System.Net;

namespace Signaling.Hub.Observability;

/// <summary>Configuration section <c>Signaling:Telemetry:Prometheus</c>: who may read <c>GET /metrics</c>.</summary>
public sealed class PrometheusOptions
{
    public const string Section = "Signaling:Telemetry:Prometheus";

    /// <summary>The scrape endpoint exists only when true.</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// Networks (CIDR) whose connections may scrape without a token. Null means loopback only. The
    /// configuration binder appends to a pre-filled array instead of replacing it, so the default
    /// cannot live in the initializer. One empty entry allows no network: the token alone.
    /// </summary>
    public string[]? AllowedNetworks { get; set; }

    /// <summary>A shared secret that a scraper sends as <c>Authorization: Bearer</c>, from any address.</summary>
    public string? ScrapeToken { get; set; }

    internal const int MinimumTokenLength = 32;

    private static readonly string[] Loopback = ["127.0.0.0/8", "::1/128"];

    internal IEnumerable<string> EffectiveNetworks => (AllowedNetworks ?? Loopback).Where(n => !string.IsNullOrWhiteSpace(n));

    internal string? EffectiveToken => string.IsNullOrEmpty(ScrapeToken) ? null : ScrapeToken;

    internal IPNetwork[] Networks => EffectiveNetworks.Select(n => IPNetwork.Parse(n.Trim())).ToArray();

    /// <summary>
    /// CIDR with no bits set past the prefix: .NET clears them silently, which would turn
    /// <c>10.1.2.3/8</c>, most likely meant as one host, into all of 10.0.0.0/8.
    /// </summary>
    private static bool IsNetwork(string text) =>
        IPNetwork.TryParse(text.Trim(), out var network)
        && IPAddress.TryParse(text.Trim().Split('/')[0], out var address)
        && address.Equals(network.BaseAddress);

    internal static string? Check(PrometheusOptions o)
    {
        var networks = (o.AllowedNetworks ?? []).ToList();
        var bad = networks.FindIndex(n => !string.IsNullOrWhiteSpace(n) && !IsNetwork(n));
        if (bad >= 0)
        {
            return $"{Section}:{nameof(AllowedNetworks)}:{bad}: '{networks[bad]}' is not a network in CIDR notation "
                + "(an address with no bits set past the prefix length), e.g. 10.0.0.0/8, 192.168.1.20/32 or fd00::/8";
        }

        if (o.EffectiveToken is { } token && token.Length < MinimumTokenLength)
        {
            return $"{Section}:{nameof(ScrapeToken)} must be at least {MinimumTokenLength} characters, e.g. the output of 'openssl rand -hex 32'";
        }

        return o.Enabled && !o.EffectiveNetworks.Any() && o.EffectiveToken is null
            ? $"{Section}: with no {nameof(AllowedNetworks)} and no {nameof(ScrapeToken)} nobody may scrape; set {Section}:{nameof(AllowedNetworks)}:0 (e.g. 10.0.0.0/8) or {Section}:{nameof(ScrapeToken)}"
            : null;
    }
}
