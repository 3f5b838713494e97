using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Signaling.Contracts;
using Signaling.Contracts.Relay;
using Signaling.Hub.Observability;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests;

public sealed class TelemetryTests
{
    [Fact]
    public async Task Relays_move_the_relay_counter_and_histogram_and_refusals_count_by_code()
    {
        using var app = new SignalingApplication();
        var factory = app.Services.GetRequiredService<IMeterFactory>();
        var measurements = new ConcurrentBag<(string Instrument, double Value, string? Tag)>();
        using var listener = new MeterListener();
        // Other tests run in this process too: listen only to this app's meter.
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == SignalingTelemetry.Name && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => measurements.Add((i.Name, v, FirstTag(tags))));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => measurements.Add((i.Name, v, FirstTag(tags))));
        listener.Start();

        await using var alice = await app.JoinAsync("alice", "metrics");
        await using var bob = await app.JoinAsync("bob", "metrics");
        await alice.Client.Offer(new SdpMessage("metrics", "bob", "v=0"));
        await alice.Client.IceCandidate(new IceCandidateMessage("metrics", "bob", null));
        await ErrorAssert.Code(ErrorCodes.PeerNotFound, () => alice.Client.Offer(new SdpMessage("metrics", "nobody", "v=0")));

        Assert.Contains(("signaling.messages.relayed", 1d, "offer"), measurements);
        Assert.Contains(("signaling.messages.relayed", 1d, "candidate"), measurements);
        Assert.Equal(2, measurements.Count(m => m.Instrument == "signaling.relay.duration" && m.Value >= 0));
        Assert.Contains(("signaling.errors", 1d, ErrorCodes.PeerNotFound), measurements);
        Assert.Equal(2, measurements.Where(m => m.Instrument == "signaling.connections.opened").Sum(m => m.Value));

        listener.RecordObservableInstruments();
        Assert.Contains(("signaling.members.active", 2d, null), measurements);
    }

    [Fact]
    public async Task Joining_a_room_produces_a_span()
    {
        var spans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == SignalingTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);

        using var app = new SignalingApplication();
        await using var alice = await app.JoinAsync("alice", "traced-room");

        var span = Assert.Single(spans, s => s.OperationName == "JoinRoom" && (string?)s.GetTagItem("signaling.room_id") == "traced-room");
        Assert.Equal("alice", span.GetTagItem("signaling.peer_id"));
    }

    [Fact]
    public async Task Traces_are_exported_over_otlp_when_an_endpoint_is_configured()
    {
        await using var collector = await OtlpCollector.StartAsync();

        using (var app = new SignalingApplication(new Dictionary<string, string?> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Url }))
        {
            await using var alice = await app.JoinAsync("alice", "exported");
        }

        // Disposing the app flushes the exporter, so the batch has been sent by now or is on its way.
        var (path, contentType, length) = await collector.Next("traces");
        Assert.Equal("/v1/traces", path);
        Assert.Equal("application/x-protobuf", contentType);
        Assert.True(length > 0);
    }

    [Fact]
    public async Task Metrics_are_exported_over_otlp_at_the_configured_interval()
    {
        await using var collector = await OtlpCollector.StartAsync();

        // Well under the 15 s wait below; the default interval (60 s) would not make it.
        using var app = new SignalingApplication(new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Url,
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
        });

        var (path, contentType, length) = await collector.Next("metrics");
        Assert.Equal("/v1/metrics", path);
        Assert.Equal("application/x-protobuf", contentType);
        Assert.True(length > 0);
    }

    /// <summary>An OTLP/HTTP endpoint on a loopback port that records what each signal path receives.</summary>
    private sealed class OtlpCollector : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly ConcurrentDictionary<string, TaskCompletionSource<(string Path, string ContentType, int Length)>> _received = new();

        private OtlpCollector(WebApplication app) => _app = app;

        public string Url => _app.Urls.First();

        public static async Task<OtlpCollector> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
            var collector = new OtlpCollector(builder.Build());
            collector._app.MapPost("/v1/{signal}", async (HttpRequest request, string signal) =>
            {
                using var body = new MemoryStream();
                await request.Body.CopyToAsync(body);
                collector.Signal(signal).TrySetResult((request.Path, request.ContentType ?? "", (int)body.Length));
                return Results.Ok();
            });
            await collector._app.StartAsync();
            return collector;
        }

        /// <summary>The first request to <c>/v1/{signal}</c>.</summary>
        public Task<(string Path, string ContentType, int Length)> Next(string signal) => Signal(signal).Task.WaitAsync(Timeouts.Default);

        public ValueTask DisposeAsync() => _app.DisposeAsync();

        private TaskCompletionSource<(string Path, string ContentType, int Length)> Signal(string signal) =>
            _received.GetOrAdd(signal, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));
    }

    private static string? FirstTag(ReadOnlySpan<KeyValuePair<string, object?>> tags) => tags.Length > 0 ? tags[0].Value?.ToString() : null;
}
