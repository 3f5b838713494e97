namespace Signaling.Hub.Common;

/// <summary>
/// Lets the stop wait until something (connections, requests) has drained, without missing a
/// removal that races the start of the wait.
/// </summary>
public sealed class EmptiedSignal
{
    private TaskCompletionSource? _waiter;

    /// <summary>Called by the owner after each removal that left it empty.</summary>
    public void Emptied() => Volatile.Read(ref _waiter)?.TrySetResult();

    /// <summary>Completes once <paramref name="isEmpty"/> holds, now or after a later <see cref="Emptied"/>.</summary>
    public Task WhenEmptyAsync(Func<bool> isEmpty)
    {
        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Exchange(ref _waiter, waiter);
        // Checked after publishing the waiter so a removal in between cannot be missed.
        if (isEmpty())
        {
            waiter.TrySetResult();
        }

        return waiter.Task;
    }
}
