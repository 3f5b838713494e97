using Signaling.Hub.Common;

namespace Signaling.Hub.Security;

/// <summary>Configuration section <c>Signaling:Cors</c>.</summary>
public sealed class CorsOptions
{
    public const string Section = "Signaling:Cors";

    /// <summary>Browser origins allowed to call the service (with credentials). Empty: same origin only.</summary>
    public string[] Origins { get; set; } = [];

    internal static string? Check(CorsOptions o) =>
        o.Origins.FirstOrDefault(origin => !Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.PathAndQuery != "/" || origin.EndsWith('/'))
            is { } bad ? $"{Section}:Origins: '{bad}' is not an origin like https://app.example.com" : null;
}

/// <summary>CORS from configuration (nothing cross-origin by default) and the usual response headers.</summary>
public static class HttpHardening
{
    private const string PolicyName = "configured-origins";

    public static WebApplicationBuilder AddSignalingHttpHardening(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<CorsOptions>().BindConfiguration(CorsOptions.Section)
            .BindCommaSeparated($"{CorsOptions.Section}:{nameof(CorsOptions.Origins)}", (o, origins) => o.Origins = origins)
            .ValidateOnStart();
        builder.Services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<CorsOptions>>(new OptionsRule<CorsOptions>(CorsOptions.Check));
        builder.Services.AddCors();
        builder.Services.AddOptions<Microsoft.AspNetCore.Cors.Infrastructure.CorsOptions>()
            .Configure<Microsoft.Extensions.Options.IOptions<CorsOptions>>((cors, configured) =>
                cors.AddPolicy(PolicyName, policy => policy
                    .WithOrigins(configured.Value.Origins)
                    // @microsoft/signalr sends credentials and custom headers on negotiate.
                    .AllowCredentials()
                    .AllowAnyHeader()
                    .AllowAnyMethod()));
        return builder;
    }

    public static WebApplication UseSignalingHttpHardening(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            if (context.Request.Path.StartsWithSegments("/api"))
            {
                // API answers are data, never documents to render.
                headers.ContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";
            }

            return next(context);
        });
        app.UseCors(PolicyName);
        return app;
    }
}
