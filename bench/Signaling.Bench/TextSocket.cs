using System.Net.WebSockets;
using System.Text;

namespace Signaling.Bench;

/// <summary>
/// The client WebSocket every bench peer speaks over: whole text messages, one send at a time,
/// and a close that is clean when the server lets it be and an abort when it does not.
/// </summary>
internal sealed class TextSocket : IDisposable
{
    private readonly ClientWebSocket socket = new();
    private readonly SemaphoreSlim sendLock = new(1, 1);

    public WebSocketState State => socket.State;

    public async Task ConnectAsync(Uri uri, CancellationToken cancellationToken)
    {
        // The bench's own pings keep connections alive; protocol-level keep-alives would only add traffic.
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        await socket.ConnectAsync(uri, cancellationToken);
    }

    public ValueTask<ValueWebSocketReceiveResult> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken) =>
        socket.ReceiveAsync(buffer, cancellationToken);

    /// <summary>Sends <paramref name="message"/> as one text frame; <paramref name="cancellationToken"/> only bounds the wait for the previous send.</summary>
    public Task SendAsync(string message, CancellationToken cancellationToken = default) =>
        SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, cancellationToken);

    /// <summary>Sends <paramref name="message"/> as one frame of <paramref name="type"/>.</summary>
    public async Task SendAsync(byte[] message, WebSocketMessageType type, CancellationToken cancellationToken = default)
    {
        await sendLock.WaitAsync(cancellationToken);
        try
        {
            // Cancelling a send aborts a ClientWebSocket mid-frame; a run's deadline must stop loops, not kill sockets.
            await socket.SendAsync(message, type, true, CancellationToken.None);
        }
        finally
        {
            sendLock.Release();
        }
    }

    /// <summary>Sends the close frame after any send in progress; throws when that does not happen in time.</summary>
    public async Task CloseOutputAsync(CancellationToken cancellationToken)
    {
        await sendLock.WaitAsync(cancellationToken);
        try
        {
            if (socket.State == WebSocketState.Open)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken);
            }
        }
        finally
        {
            sendLock.Release();
        }
    }

    /// <summary>
    /// For the end of a run: a close frame if it goes out within 2 s, then an abort, then up to 5 s
    /// for the peer's own loops to notice.
    /// </summary>
    public async Task CloseAsync(params Task[] loops)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await CloseOutputAsync(timeout.Token);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // The run is over; a peer that cannot close cleanly is aborted below.
        }

        await AbortAsync(loops);
    }

    /// <summary>Aborts the socket and waits up to 5 s for <paramref name="loops"/> to end.</summary>
    public async Task AbortAsync(params Task[] loops)
    {
        socket.Abort();
        await Task.WhenAll(loops).WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    public void Dispose()
    {
        socket.Dispose();
        sendLock.Dispose();
    }
}
