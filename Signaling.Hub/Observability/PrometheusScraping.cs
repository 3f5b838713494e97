using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Signaling.Contracts;
using Signaling.Hub.Common;

namespace Signaling.Hub.Observability;

/// <summary>
/// <c>GET /metrics</c> in Prometheus's text format, when <c>Signaling:Telemetry:Prometheus:Enabled</c>
/// is true, for connections from <c>AllowedNetworks</c> or requests carrying <c>ScrapeToken</c>.
/// </summary>
public static class PrometheusScraping
{
    public const string Path = "/metrics";

    internal static bool IsEnabled(IConfiguration configuration) =>
        configuration.GetValue<bool>($"{PrometheusOptions.Section}:{nameof(PrometheusOptions.Enabled)}");

    internal static bool IsProbeOrScrape(PathString path) => path.StartsWithSegments("/health") || path.StartsWithSegments(Path);

    internal static void AddPrometheusScraping(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<PrometheusOptions>().BindConfiguration(PrometheusOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<PrometheusOptions>>(new OptionsRule<PrometheusOptions>(PrometheusOptions.Check));
        if (IsEnabled(builder.Configuration))
        {
            builder.Services.AddSingleton<ScrapeAccess>();
            // Kestrel's connection pipeline runs before any HTTP middleware, so what it records is the
            // socket's peer even where forwarded headers later rewrite HttpContext.Connection. (Kestrel
            // keeps one endpoint-defaults action; nothing else in the service sets one.)
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(listen => listen.Use(next => connection =>
            {
                connection.Features.Set(new SocketPeer(connection.RemoteEndPoint));
                return next(connection);
            })));
        }
    }

    public static IEndpointRouteBuilder MapSignalingMetrics(this IEndpointRouteBuilder app)
    {
        if (!IsEnabled(app.ServiceProvider.GetRequiredService<IConfiguration>()))
        {
            return app;
        }

        var access = app.ServiceProvider.GetRequiredService<ScrapeAccess>();
        app.MapPrometheusScrapingEndpoint(Path, meterProvider: null, configureBranchedPipeline: branch => branch.Use(access.Check), optionsName: null)
            // Scrapes are not traffic: leave them out of http.server.request.duration.
            .DisableHttpMetrics();
        return app;
    }
}

/// <summary>The scrape endpoint's gate: a connection from an allowed network, or the scrape token.</summary>
internal sealed class ScrapeAccess(IOptions<PrometheusOptions> options)
{
    private readonly IPNetwork[] _networks = options.Value.Networks;
    private readonly byte[]? _token = options.Value.EffectiveToken is { } token ? Hash(token) : null;

    public Task Check(HttpContext context, RequestDelegate next)
    {
        if (HasToken(context) || FromAllowedNetwork(context))
        {
            return next(context);
        }

        // A token would let the scraper in; without one configured, nothing the request carries could.
        if (_token is not null)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            return ProblemDetailsFilter.Problem(ErrorCodes.Unauthorized, $"{PrometheusScraping.Path} needs the scrape token from this address").ExecuteAsync(context);
        }

        return ProblemDetailsFilter.Problem(ErrorCodes.Forbidden, $"{PrometheusScraping.Path} is not served to this address").ExecuteAsync(context);
    }

    private bool HasToken(HttpContext context) =>
        _token is not null
        && AuthenticationHeaderValue.TryParse(context.Request.Headers.Authorization, out var header)
        && string.Equals(header.Scheme, "Bearer", StringComparison.OrdinalIgnoreCase)
        && header.Parameter is { } presented
        && CryptographicOperations.FixedTimeEquals(Hash(presented), _token);

    /// <summary>
    /// The TCP peer as Kestrel accepted it (request features fall back to the connection's). Not
    /// <c>HttpContext.Connection.RemoteIpAddress</c>: with <c>ASPNETCORE_FORWARDEDHEADERS_ENABLED</c> it
    /// comes from <c>X-Forwarded-For</c>, which any client can write.
    /// </summary>
    private bool FromAllowedNetwork(HttpContext context)
    {
        if (context.Features.Get<SocketPeer>()?.RemoteEndPoint is not IPEndPoint { Address: var address })
        {
            return false;
        }

        address = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        return _networks.Any(n => n.Contains(address));
    }

    // Hashing first makes the comparison constant-time whatever the presented token's length.
    private static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}

/// <summary>A connection feature: the remote end of the socket, which no HTTP middleware rewrites.</summary>
internal sealed record SocketPeer(EndPoint? RemoteEndPoint);
