namespace Signaling.Hub.Common;

/// <summary>Names this process among the instances of a cluster; stored with what it holds so survivors can clean up after it.</summary>
public sealed class InstanceIdentity
{
    public string Id { get; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}"[..^24];
}
