using System.Diagnostics;
using System.Globalization;

namespace Signaling.Tests.Infrastructure;

/// <summary>Servers a test runs in the foreground: their output kept for failure messages, stopped by the recorded PID.</summary>
public static class ChildProcess
{
    public static Process Start(ProcessStartInfo start, OutputTail output)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => output.Add(e.Data);
        process.ErrorDataReceived += (_, e) => output.Add(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>
    /// Process start has no event to wait on: polls <paramref name="probe"/> until it meets
    /// <paramref name="condition"/>, failing at once if the process exits; its output goes into the failure.
    /// </summary>
    public static async Task<T> WaitUntilAsync<T>(Process process, OutputTail output, Func<Task<T>> probe, Func<T, bool> condition, string what)
    {
        var name = Path.GetFileName(process.StartInfo.FileName);
        try
        {
            return await Eventually.Until(async () => process.HasExited
                ? throw new InvalidOperationException($"{name} exited with {process.ExitCode} before {what}:\n{output}")
                : await probe(), condition, Timeouts.Default, what);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}; {name} output:\n{output}", ex);
        }
    }

    /// <summary>SIGTERM, the server's clean stop; kill -9 when it has not exited within the default timeout.</summary>
    public static async Task TerminateAsync(Process process)
    {
        if (process.HasExited)
        {
            return;
        }

        using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync().WaitAsync(Timeouts.Default);
        try
        {
            await process.WaitForExitAsync().WaitAsync(Timeouts.Default);
        }
        catch (TimeoutException)
        {
            process.Kill();
            await process.WaitForExitAsync().WaitAsync(Timeouts.Default);
        }
    }
}
