using System.IO.Pipelines;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace Signaling.Client;

/// <summary>
/// A <see cref="ConnectionContext"/> over a connected <see cref="ClientWebSocket"/>: one loop copies
/// received messages into <see cref="Transport"/>'s input, another sends what the application writes.
/// </summary>
internal sealed partial class WebSocketConnection : ConnectionContext
{
    // Bounds the close handshake so DisposeAsync never waits on a peer that stopped answering.
    internal static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(2);

    // Same limits as the official HttpConnection; schedulers keep pipe callbacks off any
    // synchronization context (UI threads) of the caller.
    private static readonly PipeOptions Options = new(
        pauseWriterThreshold: 1024 * 1024,
        resumeWriterThreshold: 512 * 1024,
        readerScheduler: PipeScheduler.ThreadPool,
        writerScheduler: PipeScheduler.ThreadPool,
        useSynchronizationContext: false);

    private readonly ClientWebSocket _socket;
    private readonly Pipe _input = new(Options);
    private readonly Pipe _output = new(Options);
    private readonly CancellationTokenSource _abort = new();
    private readonly CancellationTokenSource _closed = new();
    private readonly Task _running;
    private int _disposed;

    public WebSocketConnection(ClientWebSocket socket)
    {
        _socket = socket;
        Transport = new DuplexPipe(_input.Reader, _output.Writer);
        ConnectionClosed = _closed.Token;
        _running = RunAsync();
    }

    // Without negotiation the server never tells us its connection id; HubConnection.ConnectionId
    // then reports null, as the official client does when it skips negotiation.
    public override string ConnectionId { get; set; } = null!;

    public override IFeatureCollection Features { get; } = new FeatureCollection();

    public override IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?>();

    public override IDuplexPipe Transport { get; set; }

    public override void Abort(ConnectionAbortedException abortReason) => AbortSocket();

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync().ConfigureAwait(false);
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        // Completing the application's output starts the close handshake if it has not started yet;
        // the receive loop keeps reading until the server's close frame answers it.
        _output.Writer.Complete();
        await _running.WaitAsync(CloseTimeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (!_running.IsCompleted)
        {
            AbortSocket();
            await _running.WaitAsync(CloseTimeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _input.Reader.Complete();
        _socket.Dispose();
        _abort.Dispose();
        _closed.Dispose();
    }

    private async Task RunAsync()
    {
        var receiving = ReceiveLoopAsync();
        var sending = SendLoopAsync();
        var first = await Task.WhenAny(receiving, sending).ConfigureAwait(false);

        // The server closed (or the socket broke): stop sending. Otherwise the application finished
        // and sent its close frame: give the server a moment to answer it.
        if (first == receiving)
        {
            _output.Reader.CancelPendingRead();
        }

        var other = first == receiving ? sending : receiving;
        await other.WaitAsync(CloseTimeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (!other.IsCompleted)
        {
            AbortSocket();
            await other.ConfigureAwait(false);
        }

        try
        {
            await _closed.CancelAsync().ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            // DisposeAsync gave up waiting for us; nobody is left to notify.
        }
    }

    private void AbortSocket()
    {
        try
        {
            _abort.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already disposed: the socket is gone too.
        }

        _socket.Abort();
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
