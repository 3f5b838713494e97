using Microsoft.Extensions.Logging.Console;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Signaling.Hub.Observability;

public static class TelemetrySetup
{
    public static WebApplicationBuilder AddSignalingTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<SignalingTelemetry>();
        // Every log line written inside a request or hub call carries its trace and span ids.
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        builder.Services.Configure<SimpleConsoleFormatterOptions>(o => o.IncludeScopes = true);

        builder.Services.AddHostedService<OtlpExport>();
        return builder;
    }

    internal static void Http(OtlpExporterOptions options, Uri endpoint)
    {
        options.Protocol = OtlpExportProtocol.HttpProtobuf;
        options.Endpoint = endpoint;
    }
}

/// <summary>
/// OTLP export, only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is configured (environment or any other
/// configuration source). Providers are built at start, so listening begins before traffic, and
/// flushed at stop, so the last spans of a graceful shutdown are not lost.
/// </summary>
internal sealed class OtlpExport(IConfiguration configuration) : IHostedService, IDisposable
{
    /// <summary>ASP.NET Core, Kestrel and SignalR already publish these; exporting them costs nothing to add.</summary>
    private static readonly string[] FrameworkMeters =
    [
        "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Http.Connections",
        "Microsoft.AspNetCore.SignalR", "Microsoft.AspNetCore.Routing", "Microsoft.AspNetCore.RateLimiting",
    ];

    private TracerProvider? _tracer;
    private MeterProvider? _meter;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var endpoint = configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            return Task.CompletedTask;
        }

        var baseUri = new Uri(endpoint.TrimEnd('/') + "/");
        var resource = ResourceBuilder.CreateDefault().AddService(configuration["OTEL_SERVICE_NAME"] ?? "signaling");
        _tracer = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(resource)
            .AddSource(SignalingTelemetry.Name, "Microsoft.AspNetCore", "Microsoft.AspNetCore.SignalR.Server")
            .AddOtlpExporter(o => TelemetrySetup.Http(o, new Uri(baseUri, "v1/traces")))
            .Build();
        _meter = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(resource)
            .AddMeter([SignalingTelemetry.Name, .. FrameworkMeters])
            .AddOtlpExporter((o, reader) =>
            {
                TelemetrySetup.Http(o, new Uri(baseUri, "v1/metrics"));
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = configuration.GetValue("OTEL_METRIC_EXPORT_INTERVAL", 60_000);
            })
            .Build();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _tracer?.ForceFlush(2000);
        _meter?.ForceFlush(2000);
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _tracer?.Dispose();
        _meter?.Dispose();
    }
}
