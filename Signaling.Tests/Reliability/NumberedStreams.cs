using System.Diagnostics;
using Signaling.Client;
using Signaling.Contracts.Relay;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests.Reliability;

/// <summary>Conditions checked whenever something changes, so a test waits on the change itself, within a bound.</summary>
public sealed class Progress
{
    private readonly List<(Func<bool> Holds, TaskCompletionSource Reached)> _waiters = [];

    public void Changed()
    {
        lock (_waiters)
        {
            _waiters.RemoveAll(w => w.Holds() && w.Reached.TrySetResult());
        }
    }

    public async Task WaitAsync(Func<bool> holds, TimeSpan within, string what)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            if (holds())
            {
                return;
            }

            _waiters.Add((holds, reached));
        }

        try
        {
            await reached.Task.WaitAsync(within);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{what} not reached within {within}");
        }
    }
}

/// <summary>The numbers a peer received in candidate streams, per sender, in arrival order.</summary>
public sealed class StreamLog : IDisposable
{
    private readonly Dictionary<string, List<int>> _bySender = new(StringComparer.Ordinal);
    private readonly IDisposable _subscription;

    public StreamLog(TestPeer peer) =>
        _subscription = peer.Client.OnIceCandidate(e => Add(e.FromPeerId, NumberedSender.SeqOf(e.Candidate)));

    public Progress Progress { get; } = new();

    public IReadOnlyList<int> From(string peerId)
    {
        lock (_bySender)
        {
            return _bySender.TryGetValue(peerId, out var list) ? [.. list] : [];
        }
    }

    public Task WaitAsync(string from, Func<IReadOnlyList<int>, bool> holds, string what, TimeSpan? within = null) =>
        Progress.WaitAsync(() => holds(From(from)), within ?? Timeouts.Default, what);

    public void Dispose() => _subscription.Dispose();

    private void Add(string from, int seq)
    {
        lock (_bySender)
        {
            if (!_bySender.TryGetValue(from, out var list))
            {
                _bySender[from] = list = [];
            }

            list.Add(seq);
        }

        Progress.Changed();
    }
}

/// <summary>What the server answered to one numbered send: "ok", an error code, or how the call failed otherwise.</summary>
public sealed record SendOutcome(int Seq, string Result, TimeSpan Took)
{
    public const string Ok = "ok";

    /// <summary>The call did not complete within <see cref="NumberedSender.CallBound"/>: a hang.</summary>
    public const string Hung = "hung";

    /// <summary>The sender's own connection was gone.</summary>
    public const string Closed = "closed";
}

/// <summary>
/// Sends <c>IceCandidate</c>s numbered 1, 2, 3 … to one peer, paced under the hub's per-connection
/// rate limit, and records each call's outcome. Every call is bounded: a hang is recorded as such.
/// </summary>
public sealed class NumberedSender(TestPeer peer, string roomId, string toPeerId, int firstSeq = 1)
{
    /// <summary>About 100 messages a second: half the hub's default per-connection rate limit.</summary>
    public static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(10);

    public static readonly TimeSpan CallBound = TimeSpan.FromSeconds(10);

    private readonly List<SendOutcome> _outcomes = [];
    private int _next = firstSeq;

    public Progress Progress { get; } = new();

    /// <summary>The number the next send will carry.</summary>
    public int NextSeq => Volatile.Read(ref _next);

    public IReadOnlyList<SendOutcome> Outcomes
    {
        get
        {
            lock (_outcomes)
            {
                return [.. _outcomes];
            }
        }
    }

    public static int SeqOf(IceCandidateInit? candidate) => int.Parse(candidate!.Candidate.AsSpan(4), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Sends until <paramref name="stop"/> fires or the connection is gone.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var seq = NextSeq;
            var result = await SendAsync(seq);
            lock (_outcomes)
            {
                _outcomes.Add(result);
            }

            Interlocked.Increment(ref _next);
            Progress.Changed();
            if (result.Result == SendOutcome.Closed)
            {
                return;
            }

            try
            {
                // Pacing, not synchronization: stay under the rate limit so the only refusals are the fault's.
                await Task.Delay(Pace, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<SendOutcome> SendAsync(int seq)
    {
        var clock = Stopwatch.StartNew();
        string result;
        try
        {
            await peer.Client.IceCandidate(new IceCandidateMessage(roomId, toPeerId, new IceCandidateInit($"seq {seq}", "0", 0))).WaitAsync(CallBound);
            result = SendOutcome.Ok;
        }
        catch (SignalingException ex)
        {
            result = ex.Code ?? "no code: " + ex.Message;
        }
        catch (TimeoutException)
        {
            result = SendOutcome.Hung;
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or OperationCanceledException
                                   || peer.Client.State == Microsoft.AspNetCore.SignalR.Client.HubConnectionState.Disconnected)
        {
            result = SendOutcome.Closed;
        }

        return new SendOutcome(seq, result, clock.Elapsed);
    }
}

public static class StreamAssert
{
    /// <summary>Strictly increasing: nothing duplicated, nothing out of order.</summary>
    public static void Increasing(IReadOnlyList<int> received, string what)
    {
        for (var i = 1; i < received.Count; i++)
        {
            Assert.True(received[i] > received[i - 1], $"{what}: {received[i]} after {received[i - 1]} (position {i})");
        }
    }

    /// <summary>Every number from the first to the last, once and in order.</summary>
    public static void Contiguous(IReadOnlyList<int> received, string what)
    {
        for (var i = 1; i < received.Count; i++)
        {
            Assert.True(received[i] == received[i - 1] + 1, $"{what}: {received[i]} after {received[i - 1]} (position {i})");
        }
    }
}
