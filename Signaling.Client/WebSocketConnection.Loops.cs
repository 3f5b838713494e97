using System.Buffers;
using System.Net.WebSockets;

namespace Signaling.Client;

/// <content>The two loops that move bytes between the socket and the pipes.</content>
internal sealed partial class WebSocketConnection
{
    private async Task ReceiveLoopAsync()
    {
        Exception? error = null;
        try
        {
            while (true)
            {
                var memory = _input.Writer.GetMemory(4096);
                var result = await _socket.ReceiveAsync(memory, _abort.Token).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                // Message boundaries carry no meaning: SignalR frames end with 0x1E.
                _input.Writer.Advance(result.Count);
                var flush = await _input.Writer.FlushAsync(_abort.Token).ConfigureAwait(false);
                if (flush.IsCompleted || flush.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
            // Aborted by us: a normal end.
        }
        catch (Exception ex)
        {
            error = ex;
        }

        // Completing (with the error, if any) is how HubConnection learns the connection closed.
        await _input.Writer.CompleteAsync(error).ConfigureAwait(false);
    }

    private async Task SendLoopAsync()
    {
        try
        {
            while (true)
            {
                var result = await _output.Reader.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                try
                {
                    if (result.IsCanceled)
                    {
                        break;
                    }

                    if (!buffer.IsEmpty)
                    {
                        await SendAsync(buffer).ConfigureAwait(false);
                    }

                    if (result.IsCompleted)
                    {
                        break;
                    }
                }
                finally
                {
                    _output.Reader.AdvanceTo(buffer.End);
                }
            }

            // The application is done (or the server closed first): finish the close handshake.
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_abort.Token);
                timeout.CancelAfter(CloseTimeout);
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception)
        {
            // The socket is broken or was aborted; the receive loop reports the error to the application.
            _socket.Abort();
        }

        await _output.Reader.CompleteAsync().ConfigureAwait(false);
    }

    // One WebSocket message per read, one frame per segment: splitting a read into separate
    // messages could cut a UTF-8 character, which the server rejects in a Text message.
    private async ValueTask SendAsync(ReadOnlySequence<byte> buffer)
    {
        if (buffer.IsSingleSegment)
        {
            await _socket.SendAsync(buffer.First, WebSocketMessageType.Text, true, _abort.Token).ConfigureAwait(false);
            return;
        }

        var position = buffer.Start;
        buffer.TryGet(ref position, out var segment);
        while (buffer.TryGet(ref position, out var next))
        {
            await _socket.SendAsync(segment, WebSocketMessageType.Text, false, _abort.Token).ConfigureAwait(false);
            segment = next;
        }

        await _socket.SendAsync(segment, WebSocketMessageType.Text, true, _abort.Token).ConfigureAwait(false);
    }
}
