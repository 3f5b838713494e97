namespace Signaling.Hub.Common;

/// <summary>Hub payloads carry times as unix milliseconds.</summary>
public static class UnixTime
{
    public static long NowMs(this TimeProvider time) => time.GetUtcNow().ToUnixTimeMilliseconds();
}
