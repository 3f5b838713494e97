namespace Signaling.Tests.Infrastructure;

/// <summary>
/// For effects that no event announces (a heartbeat carrying new figures, a server noticing a
/// closed socket, Redis coming back): checks the condition until it holds, within a bound.
/// </summary>
public static class Eventually
{
    public static async Task<T> Until<T>(Func<Task<T>> probe, Func<T, bool> condition, TimeSpan? within = null, string? what = null)
    {
        var deadline = DateTime.UtcNow + (within ?? Timeouts.Default);
        while (true)
        {
            var value = await probe();
            if (condition(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what ?? "condition"} not reached within {within ?? Timeouts.Default}; last value: {value}");
            }

            await Task.Delay(50);
        }
    }

    public static Task Until(Func<Task<bool>> condition, TimeSpan? within = null, string? what = null) =>
        Until(condition, ok => ok, within, what);
}
