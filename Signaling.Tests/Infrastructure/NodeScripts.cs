using System.Diagnostics;

namespace Signaling.Tests.Infrastructure;

/// <summary>Node scripts that tests run beside the service: real JS packages where users run them.</summary>
public static class NodeScripts
{
    private static readonly SemaphoreSlim Installing = new(1, 1);

    /// <summary>
    /// The packages come from npm like any Node project's (<c>npm ci</c> from the script's lock file);
    /// installing them once per output directory keeps reruns offline.
    /// </summary>
    /// <param name="directory">The script's folder in the test output, with its package.json and package-lock.json.</param>
    /// <param name="package">A package the script imports: present means installed.</param>
    public static async Task EnsurePackagesAsync(string directory, string package)
    {
        await Installing.WaitAsync();
        try
        {
            if (Directory.Exists(Path.Combine(directory, "node_modules", package)))
            {
                return;
            }

            var (exitCode, output, errors) = await RunProcessAsync("npm", directory, ["ci", "--no-audit", "--no-fund"], null, TimeSpan.FromMinutes(3));
            Assert.True(exitCode == 0, $"npm ci failed in {directory}:\n{output}\n{errors}");
        }
        finally
        {
            Installing.Release();
        }
    }

    /// <summary>Runs <c>node script args…</c> to its end and returns what it printed; a failure fails the test with its stderr.</summary>
    public static async Task<string> RunAsync(string directory, string script, IEnumerable<string> arguments, IDictionary<string, string>? environment = null)
    {
        var (exitCode, output, errors) = await RunProcessAsync("node", directory, [script, .. arguments], environment, TimeSpan.FromMinutes(1));
        Assert.True(exitCode == 0, $"node {script} exited with {exitCode}:\n{errors}");
        return output;
    }

    private static async Task<(int ExitCode, string Output, string Errors)> RunProcessAsync(
        string program, string directory, IEnumerable<string> arguments, IDictionary<string, string>? environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        return (process.ExitCode, await output, await errors);
    }
}
