using System.Globalization;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests;

/// <summary>
/// Operators edit appsettings.json on a running service (log levels); the service notices by polling
/// that file, not by watching its whole folder tree, which also holds the database and the uploads.
/// </summary>
public sealed class ConfigurationReloadTests
{
    [Fact]
    public async Task Editing_appsettings_changes_log_levels_without_a_restart_and_no_folder_is_watched()
    {
        var contentRoot = Directory.CreateTempSubdirectory("signaling-content-").FullName;
        try
        {
            var settingsFile = Path.Combine(contentRoot, "appsettings.json");
            await File.WriteAllTextAsync(settingsFile, Settings("Warning"));
            Directory.CreateDirectory(Path.Combine(contentRoot, "data"));
            await using var server = await SignalingProcess.StartAsync(new Dictionary<string, string?>
            {
                ["contentRoot"] = contentRoot,
                // The default place: the database under the content root, written on every join.
                ["Signaling:Storage:Sqlite:Path"] = "data/signaling.db",
            });
            using var http = server.CreateHttpClient(Tokens.Create("owner"));
            (await http.PostAsync(new Uri("/api/rooms", UriKind.Relative), new StringContent("""{"name":"Watched","type":"voice"}""", System.Text.Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();

            // inotify watches are a per-user kernel limit: a recursive watch takes one per folder.
            Assert.Equal(0, InotifyWatches(server.Id));
            Assert.DoesNotContain("Request starting", server.Output, StringComparison.Ordinal);

            await File.WriteAllTextAsync(settingsFile, Settings("Information"));

            var deadline = DateTime.UtcNow + Timeouts.Default;
            while (!server.Output.Contains("Request starting", StringComparison.Ordinal))
            {
                Assert.True(DateTime.UtcNow < deadline, $"the new log level was not applied within {Timeouts.Default}:\n{server.Output}");
                (await http.GetAsync(new Uri("/health/live", UriKind.Relative))).EnsureSuccessStatusCode();
                await Task.Delay(200);
            }
        }
        finally
        {
            Directory.Delete(contentRoot, recursive: true);
        }
    }

    private static string Settings(string requestLogLevel) => $$"""
        { "Logging": { "LogLevel": { "Microsoft.AspNetCore.Hosting.Diagnostics": "{{requestLogLevel}}" } } }
        """;

    private static int InotifyWatches(int pid) =>
        Directory.GetFiles(string.Create(CultureInfo.InvariantCulture, $"/proc/{pid}/fdinfo"))
            .Sum(path =>
            {
                try
                {
                    return File.ReadLines(path).Count(line => line.StartsWith("inotify wd:", StringComparison.Ordinal));
                }
                catch (IOException)
                {
                    // An fd closed between listing and reading.
                    return 0;
                }
            });
}
