using Microsoft.Extensions.Logging.Console;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Signaling.Hub.Observability;

/// <summary>
/// OpenTelemetry through its hosting package: traces and metrics of ASP.NET Core, SignalR, the
/// runtime and the <c>Signaling</c> meter and activity source, sent over OTLP when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set and served to Prometheus at <c>/metrics</c> when enabled.
/// </summary>
public static class TelemetrySetup
{
    /// <summary>ASP.NET Core, Kestrel and SignalR already publish these; exporting them costs nothing to add.</summary>
    private static readonly string[] FrameworkMeters =
    [
        "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Http.Connections",
        "Microsoft.AspNetCore.SignalR", "Microsoft.AspNetCore.Routing", "Microsoft.AspNetCore.RateLimiting",
    ];

    public static WebApplicationBuilder AddSignalingTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<SignalingTelemetry>();
        // Every log line written inside a request or hub call carries its trace and span ids.
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        builder.Services.Configure<SimpleConsoleFormatterOptions>(o => o.IncludeScopes = true);
        builder.AddPrometheusScraping();

        var configuration = builder.Configuration;
        var otlp = OtlpBase(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var prometheus = PrometheusScraping.IsEnabled(configuration);

        // Providers exist only when something reads them: with no exporter, the relay path creates
        // no activity and records into no aggregation.
        if (otlp is null && !prometheus)
        {
            return builder;
        }

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(configuration["OTEL_SERVICE_NAME"] ?? "signaling"))
            .WithMetrics(metrics =>
            {
                metrics.AddAspNetCoreInstrumentation().AddRuntimeInstrumentation().AddMeter([SignalingTelemetry.Name, .. FrameworkMeters]);
                if (otlp is not null)
                {
                    metrics.AddOtlpExporter((o, reader) =>
                    {
                        Http(o, new Uri(otlp, "v1/metrics"));
                        reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = configuration.GetValue("OTEL_METRIC_EXPORT_INTERVAL", 60_000);
                    });
                }

                if (prometheus)
                {
                    metrics.AddPrometheusExporter();
                }
            });
        if (otlp is not null)
        {
            telemetry.WithTracing(tracing => tracing
                // Probes and scrapes come every few seconds and would bury the requests worth reading.
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !PrometheusScraping.IsProbeOrScrape(context.Request.Path))
                .AddSource(SignalingTelemetry.Name, "Microsoft.AspNetCore.SignalR.Server")
                .AddOtlpExporter(o => Http(o, new Uri(otlp, "v1/traces"))));
        }

        return builder;
    }

    private static Uri? OtlpBase(string? endpoint) =>
        string.IsNullOrWhiteSpace(endpoint) ? null
        : Uri.TryCreate(endpoint.TrimEnd('/') + "/", UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri
        : throw new InvalidOperationException($"OTEL_EXPORTER_OTLP_ENDPOINT: '{endpoint}' is not an http(s) URL like http://collector:4318");

    /// <summary>The OTLP base URL gets the standard signal paths, over http/protobuf as collectors accept on port 4318.</summary>
    private static void Http(OtlpExporterOptions options, Uri endpoint)
    {
        options.Protocol = OtlpExportProtocol.HttpProtobuf;
        options.Endpoint = endpoint;
    }
}
