using Microsoft.Extensions.FileProviders;

namespace Signaling.Hub.Common;

/// <summary>
/// Serves the browser samples from the repository's <c>samples/</c> folder in Development, so
/// <c>./scripts/run.sh</c> is all it takes to try them: same origin as the hub, no CORS setup,
/// and the dev token route they rely on exists only there too.
/// </summary>
public static partial class SamplePages
{
    /// <summary>The browser call page, which joins the room named by <c>?room=</c>.</summary>
    public const string BrowserCall = "browser-call";

    private static readonly string[] Pages = [BrowserCall, "admin-dashboard"];

    /// <summary>Paths of the pages this environment serves, by page name: none outside Development or without the repository's samples folder.</summary>
    public static IReadOnlyDictionary<string, string> Served(IWebHostEnvironment environment) =>
        environment.IsDevelopment() && FindSamplesFolder(environment.ContentRootPath) is { } samples
            ? Pages.Where(p => Directory.Exists(Path.Combine(samples, p))).ToDictionary(p => p, p => $"/samples/{p}/", StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The SignalR client, and its MessagePack protocol for pages opened with <c>?protocol=messagepack</c>.</summary>
    private static readonly string[] Bundles = ["signalr", "signalr-protocol-msgpack"];

    public static WebApplication MapSamplePages(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
        {
            return app;
        }

        var samples = FindSamplesFolder(app.Environment.ContentRootPath);
        if (samples is null)
        {
            // A published build has no repository around it; the service runs fine without the pages.
            LogNoSamples(app.Logger, app.Environment.ContentRootPath);
            return app;
        }

        foreach (var page in Pages.Where(p => Directory.Exists(Path.Combine(samples, p))))
        {
            ServeFolder(app, Path.Combine(samples, page), $"/samples/{page}");
        }

        // The pages load the npm packages' browser bundles from here: nothing comes from a CDN.
        foreach (var package in Bundles)
        {
            var bundle = Path.Combine(samples, "node_modules", "@microsoft", package, "dist", "browser");
            if (Directory.Exists(bundle))
            {
                ServeFolder(app, bundle, $"/samples/lib/{package}");
            }
            else
            {
                LogMissingBundle(app.Logger, package, samples);
            }
        }

        LogServing(app.Logger, samples);
        return app;
    }

    private static void ServeFolder(WebApplication app, string folder, string requestPath) =>
        // Only the listed folders are exposed, never samples/ as a whole (sources, node_modules, test output).
        app.UseFileServer(new FileServerOptions
        {
            FileProvider = new PhysicalFileProvider(folder),
            RequestPath = requestPath,
            EnableDirectoryBrowsing = false,
        });

    // dotnet run uses the project folder as content root; tests and IDEs may start one level deeper or higher.
    private static string? FindSamplesFolder(string contentRoot)
    {
        for (var dir = new DirectoryInfo(contentRoot); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "samples");
            if (Directory.Exists(Path.Combine(candidate, "browser-call")) || Directory.Exists(Path.Combine(candidate, "admin-dashboard")))
            {
                return candidate;
            }

            if (File.Exists(Path.Combine(dir.FullName, "Signaling.sln")))
            {
                break;
            }
        }

        return null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "No samples folder near {ContentRoot}: sample pages are not served")]
    private static partial void LogNoSamples(ILogger logger, string contentRoot);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sample pages need the browser bundle of @microsoft/{Package}: run 'npm ci' in {Samples}")]
    private static partial void LogMissingBundle(ILogger logger, string package, string samples);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sample pages: /samples/browser-call/ and /samples/admin-dashboard/ from {Samples}")]
    private static partial void LogServing(ILogger logger, string samples);
}
