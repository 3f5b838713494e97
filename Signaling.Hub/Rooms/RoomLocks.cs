namespace Signaling.Hub.Rooms;

/// <summary>
/// Orders membership changes of one room within this process (store write, group change and
/// broadcast happen together), so a joiner never misses the <c>PeerJoined</c> of a concurrent joiner.
/// Striped so memory does not grow with the number of rooms.
/// </summary>
public sealed class RoomLocks : IDisposable
{
    private readonly SemaphoreSlim[] _stripes = Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1)).ToArray();

    public async ValueTask<Releaser> AcquireAsync(string roomId, CancellationToken cancellationToken = default)
    {
        var stripe = _stripes[(StringComparer.Ordinal.GetHashCode(roomId) & int.MaxValue) % _stripes.Length];
        await stripe.WaitAsync(cancellationToken);
        return new Releaser(stripe);
    }

    public void Dispose()
    {
        foreach (var stripe in _stripes)
        {
            stripe.Dispose();
        }
    }

    public readonly struct Releaser(SemaphoreSlim stripe) : IDisposable
    {
        public void Dispose() => stripe.Release();
    }
}
