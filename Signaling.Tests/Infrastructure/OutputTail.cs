using System.Collections.Concurrent;

namespace Signaling.Tests.Infrastructure;

/// <summary>The last lines a child process wrote, kept for failure messages.</summary>
public sealed class OutputTail
{
    private const int Lines = 200;

    private readonly ConcurrentQueue<string> _lines = new();

    public void Add(string? line)
    {
        if (line is null)
        {
            return;
        }

        _lines.Enqueue(line);
        while (_lines.Count > Lines)
        {
            _lines.TryDequeue(out _);
        }
    }

    public override string ToString() => string.Join('\n', _lines);
}
