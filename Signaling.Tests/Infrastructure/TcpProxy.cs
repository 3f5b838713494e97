using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Signaling.Tests.Infrastructure;

/// <summary>
/// A loopback TCP relay in front of the service, so a test can break a real client's connection
/// underneath it (the network dropping) while both endpoints keep running.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly DnsEndPoint _upstream;
    private readonly ConcurrentDictionary<int, (Socket Client, Socket Server)> _links = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private TaskCompletionSource? _down;
    private int _nextLink;
    private int _accepted;

    private TcpProxy(Uri upstream)
    {
        _upstream = new DnsEndPoint(upstream.Host, upstream.Port);
        _listener.Start();
        BaseAddress = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _accepting = AcceptLoopAsync();
    }

    /// <summary>Where clients connect instead of the service.</summary>
    public Uri BaseAddress { get; }

    /// <summary>Connections accepted since the start: a client that reconnected shows up here.</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    public static TcpProxy Start(Uri upstream) => new(upstream);

    /// <summary>
    /// Resets every connection open now, in both directions, with RST rather than FIN: what is in
    /// flight is lost, as when a network path dies. New connections are accepted as before.
    /// </summary>
    public int CutAll()
    {
        var cut = 0;
        foreach (var (id, link) in _links)
        {
            if (_links.TryRemove(id, out _))
            {
                Reset(link.Client);
                Reset(link.Server);
                cut++;
            }
        }

        return cut;
    }

    /// <summary>
    /// The path is down: new connections are accepted (the SYN is not refused) but carry nothing
    /// until <see cref="BringUp"/>, as a client's reconnect attempt stalls while a network is gone.
    /// </summary>
    public void TakeDown() => Interlocked.CompareExchange(ref _down, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), null);

    public void BringUp() => Interlocked.Exchange(ref _down, null)?.TrySetResult();

    public async ValueTask DisposeAsync()
    {
        BringUp();
        await _stop.CancelAsync();
        _listener.Stop();
        CutAll();
        try
        {
            await _accepting;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The listener was stopped under the pending accept.
        }

        _stop.Dispose();
    }

    private static void Reset(Socket socket)
    {
        try
        {
            // Linger 0 makes Close send RST and drop unsent data.
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptSocketAsync(_stop.Token);
            Interlocked.Increment(ref _accepted);
            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(Socket client)
    {
        var server = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.NoDelay = true;
        var id = Interlocked.Increment(ref _nextLink);
        try
        {
            if (Volatile.Read(ref _down) is { } down)
            {
                await down.Task.WaitAsync(_stop.Token);
            }

            await server.ConnectAsync(_upstream, _stop.Token);
            _links[id] = (client, server);
            // Either direction ending (EOF, reset, or a cut) ends the link: a half-open relay would hide the drop.
            await Task.WhenAny(PumpAsync(client, server), PumpAsync(server, client));
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            _links.TryRemove(id, out _);
            client.Dispose();
            server.Dispose();
        }
    }

    private static async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await from.ReceiveAsync(buffer, SocketFlags.None)) > 0)
            {
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The other pump or CutAll closed the sockets.
        }
    }
}
