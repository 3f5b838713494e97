using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Signaling.Contracts.Rooms;
using Signaling.Hub.Common;
using Signaling.Hub.Rooms;
using Signaling.Hub.Security;

namespace Signaling.Hub.Files;

public static class FilesApi
{
    public static WebApplicationBuilder AddFiles(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<FileOptions>().BindConfiguration(FileOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<FileStorage>();
        builder.Services.AddSingleton<IRoomResources>(sp => sp.GetRequiredService<FileStorage>());
        builder.Services.AddSingleton<IValidateOptions<FileOptions>, FileLinkKeyRule>();
        builder.Services.AddSingleton<FileService>();
        builder.Services.AddSingleton<FileLinks>();
        builder.Services.AddSingleton<IFileLinks>(sp => sp.GetRequiredService<FileLinks>());
        return builder;
    }

    public static IEndpointRouteBuilder MapFiles(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api").RequireAuthorization().AddEndpointFilter<ProblemDetailsFilter>().WithTags("Files");
        group.MapPost("/rooms/{roomId}/files", Upload).DisableAntiforgery().WithMetadata(new RequestSizeLimitMetadata(app));
        // Anonymous at the door: a signed link (exp and sig) is its own permission; without one, Download asks for a token.
        group.MapGet("/files/{fileId}", Download).AllowAnonymous();
        return app;
    }

    private static async Task<Created<SharedFile>> Upload(string roomId, HttpRequest request, ClaimsPrincipal user, FileService files, CancellationToken cancellationToken)
    {
        var file = await files.UploadAsync(CallerIdentity.From(user), roomId, request, cancellationToken);
        return TypedResults.Created(FileLinks.PathOf(file.FileId), file);
    }

    private static async Task<Results<PhysicalFileHttpResult, ProblemHttpResult, ChallengeHttpResult>> Download(
        string fileId, long? exp, string? sig, ClaimsPrincipal user, FileService files, HttpResponse response)
    {
        var signed = exp is not null || sig is not null;
        if (!signed && user.Identity?.IsAuthenticated != true)
        {
            return TypedResults.Challenge();
        }

        if (await (signed ? files.OpenLinkedAsync(fileId, exp, sig) : files.OpenAsync(CallerIdentity.From(user), fileId)) is not { } found)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "file not found", detail: $"no file '{fileId}'");
        }

        // Never let a browser render an upload inline as something other than what we detected.
        response.Headers.XContentTypeOptions = "nosniff";
        return TypedResults.PhysicalFile(found.Path, found.File.File.ContentType, found.File.File.FileName, enableRangeProcessing: false);
    }

    /// <summary>Kestrel's own body limit sits a little above the upload limit so multipart framing fits.</summary>
    private sealed class RequestSizeLimitMetadata(IEndpointRouteBuilder app) : Microsoft.AspNetCore.Http.Metadata.IRequestSizeLimitMetadata
    {
        public long? MaxRequestBodySize => app.ServiceProvider.GetRequiredService<IOptions<FileOptions>>().Value.MaxBytes + (64 * 1024);
    }
}
